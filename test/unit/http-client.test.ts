// The HTTP client against real sockets on 127.0.0.1 only: the SSRF guard must refuse before
// anything is dispatched, TLS is verified, redirects are not followed, and a huge or hung body
// cannot exhaust memory or time.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  createHttpClient,
  DeliveryError,
  type HttpClient,
  type Resolver,
} from '../../src/webhook/http-client';
import { startReceiver, type Receiver } from '../helpers/receiver';

const body = Buffer.from('{"changes":[]}');
const headers = { 'content-type': 'application/json' };

async function rejection(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DeliveryError, `expected DeliveryError, got ${String(err)}`);
  return err;
}

/** Counts undici requests created and connections made while fn runs. */
async function traffic(fn: () => Promise<void>): Promise<{ requests: number; connections: number }> {
  const seen = { requests: 0, connections: 0 };
  const onRequest = (): void => void seen.requests++;
  const onConnected = (): void => void seen.connections++;
  diagnostics.subscribe('undici:request:create', onRequest);
  diagnostics.subscribe('undici:client:connected', onConnected);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe('undici:request:create', onRequest);
    diagnostics.unsubscribe('undici:client:connected', onConnected);
  }
  return seen;
}

void describe('SSRF guard (insecure URLs off)', () => {
  let http: HttpClient;
  before(() => void (http = createHttpClient({ allowInsecure: false })));
  after(() => http.close());

  for (const url of [
    'https://127.0.0.1/',
    'https://10.0.0.1/',
    'https://169.254.169.254/latest/meta-data',
    'https://100.64.0.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
  ]) {
    void test(`refuses ${url} before dispatching anything`, async () => {
      const seen = await traffic(async () => {
        const err = await rejection(http.post(url, body, headers, 1_000));
        assert.equal(err.kind, 'forbidden_address');
      });
      assert.deepEqual(seen, { requests: 0, connections: 0 });
    });
  }

  void test('refuses a host name that resolves to loopback, checked at connect time', async () => {
    const seen = await traffic(async () => {
      const err = await rejection(http.post('https://localhost/', body, headers, 2_000));
      assert.equal(err.kind, 'forbidden_address');
      assert.match(err.message, /localhost resolves to (127\.0\.0\.1|::1)/);
    });
    assert.equal(seen.connections, 0);
  });

  void test('refuses a name whose answers mix public and private addresses; DNS asked once per connection', async () => {
    const asked: string[] = [];
    const resolver: Resolver = async (hostname) => {
      asked.push(hostname);
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ];
    };
    const guarded = createHttpClient({ allowInsecure: false, resolver });
    try {
      const err = await rejection(guarded.post('https://rebind.test/', body, headers, 2_000));
      assert.equal(err.kind, 'forbidden_address');
      assert.match(err.message, /10\.1\.2\.3/);
      // No separate pre-check: the one lookup is the connector's own, so its answer is used.
      assert.deepEqual(asked, ['rebind.test']);
    } finally {
      await guarded.close();
    }
  });

  void test('refuses http:, other ports and credentials as invalid_url', async () => {
    for (const url of [
      'http://example.com/',
      'https://example.com:8443/',
      'https://u:p@example.com/',
      'nope',
    ]) {
      const err = await rejection(http.post(url, body, headers, 1_000));
      assert.equal(err.kind, 'invalid_url', url);
    }
  });
});

void describe('responses (insecure URLs on, 127.0.0.1 only)', () => {
  let receiver: Receiver;
  let http: HttpClient;
  before(async () => {
    receiver = await startReceiver();
    http = createHttpClient({ allowInsecure: true });
  });
  after(async () => {
    await http.close();
    await receiver.close();
  });

  void test('the traffic probe used by the SSRF tests does see real requests', async () => {
    const fresh = createHttpClient({ allowInsecure: true });
    const seen = await traffic(async () => void (await fresh.post(receiver.url, body, headers, 2_000)));
    await fresh.close();
    assert.deepEqual(seen, { requests: 1, connections: 1 });
  });

  void test('returns status, headers and body snippet', async () => {
    receiver.setHandler((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end('busy'));
    const res = await http.post(receiver.url, body, headers, 2_000);
    assert.equal(res.statusCode, 503);
    assert.equal(res.bodySnippet, 'busy');
    assert.equal(res.headers['retry-after'], '120');
    assert.ok(res.durationMs >= 0);
  });

  void test('a redirect is returned, not followed', async () => {
    const before = receiver.requests.length;
    receiver.setHandler((_req, res) => res.writeHead(301, { location: `${receiver.url}?moved` }).end());
    const res = await http.post(receiver.url, body, headers, 2_000);
    assert.equal(res.statusCode, 301);
    assert.equal(receiver.requests.length, before + 1);
  });

  void test('a hung receiver times out within timeoutMs', async () => {
    receiver.setHandler(null);
    receiver.setDelayMs(10_000);
    const err = await rejection(http.post(receiver.url, body, headers, 200));
    receiver.setDelayMs(0);
    assert.equal(err.kind, 'timeout');
    assert.ok(err.durationMs >= 190 && err.durationMs < 2_000, `durationMs ${err.durationMs}`);
  });

  void test('a body that never ends times out too (the timeout covers the whole attempt)', async () => {
    receiver.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const err = await rejection(http.post(receiver.url, body, headers, 300));
    assert.equal(err.kind, 'timeout');
  });

  void test('a 50 MB body is cut to 1 KB without reading it all', async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    let closed!: () => void;
    const serverDone = new Promise<void>((r) => (closed = r));
    receiver.setHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = (): void => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => closed());
      pump();
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const res = await http.post(receiver.url, body, headers, 5_000);
    assert.equal(res.statusCode, 200);
    assert.equal(Buffer.byteLength(res.bodySnippet), 1024);
    assert.equal(res.bodySnippet, 'x'.repeat(1024));
    await serverDone;
    assert.ok(written < total / 2, `server wrote ${written} bytes before the client hung up`);
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 20 * 1024 * 1024);
  });

  void test('a closed port is a network error', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await rejection(http.post(`http://127.0.0.1:${port}/hook`, body, headers, 2_000));
    assert.equal(err.kind, 'network');
    assert.match(err.message, /ECONNREFUSED/);
  });
});

// A throwaway self-signed certificate for 127.0.0.1, made for this test only.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZ364BRUDMVxHxyEN
HZ/GSAoaoJSxWx860Ie2BfA+Y6mhRANCAASD4JKDPAG2s3Vb+RavGI3X5PP4p2mQ
Ym4vZkgveOWwDQcozkMtgrwvCNt7ggux3ot39/rvoSKLL1JCFSBRQFgE
-----END PRIVATE KEY-----`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUAe5j+n5uJuORybMNWBix1CfPJvQwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjE0MjgyOVoYDzIxMjYxMDI5
MTQyODI5WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASD4JKDPAG2s3Vb+RavGI3X5PP4p2mQYm4vZkgveOWwDQcozkMtgrwv
CNt7ggux3ot39/rvoSKLL1JCFSBRQFgEo28wbTAdBgNVHQ4EFgQUhjHaNGiE318Z
Kvcz+Zt1bVQdibYwHwYDVR0jBBgwFoAUhjHaNGiE318ZKvcz+Zt1bVQdibYwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIhAM2gKG9a63gsoFRWOBP6aEjLgO5o5Mm+N88etvc0FyPPAiAE
KkbShraPf4jfMTrP4M4lT4u/ThsMLJ19obp0zAaj5g==
-----END CERTIFICATE-----`;

void test('TLS certificates are verified even with insecure URLs allowed', async () => {
  let hits = 0;
  const server = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, (_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const http = createHttpClient({ allowInsecure: true });
  try {
    const err = await rejection(http.post(`https://127.0.0.1:${port}/hook`, body, headers, 2_000));
    assert.equal(err.kind, 'network');
    assert.match(err.message, /SELF_SIGNED|self-signed|certificate/i);
    assert.equal(hits, 0);
  } finally {
    await http.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
