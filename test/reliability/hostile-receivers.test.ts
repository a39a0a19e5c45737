// Issue 9 §5: receivers that never answer, answer slowly, drop the connection mid-body,
// redirect, or answer with a 100 MB body. Each misbehaviour is a failed attempt with a clear
// error in the delivery log (a slow answer within the timeout is a success), and the worker
// process is unharmed: its RSS stays bounded and it reports no unhandled rejection.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Handler, type Receiver } from '../helpers/receiver';
import { call, createSubscription } from './helpers/api';
import { Cluster, rssKb, type HeraldChild } from './helpers/processes';

const HUGE = 100 * 1024 * 1024;
type Attempt = { attempt: number; statusCode?: number; error?: string; durationMs: number };
type Delivery = { id: string; status: string; attempts: Attempt[] };

/** Streams `bytes` with back-pressure, stopping when the client hangs up; returns bytes written. */
async function streamBody(res: ServerResponse, status: number, bytes: number): Promise<number> {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(bytes) });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const closed = new Promise<void>((r) => res.once('close', r));
  let written = 0;
  while (written < bytes && !res.destroyed) {
    written += chunk.length;
    if (!res.write(chunk)) await Promise.race([new Promise((r) => res.once('drain', r)), closed]);
  }
  if (!res.destroyed) res.end();
  return written;
}

void describe('reliability: slow and hostile receivers', { timeout: 180_000 }, () => {
  const cluster = new Cluster();
  const receivers: Receiver[] = [];
  const sockets = new Set<Socket>();
  let raw: Server;
  let worker: HeraldChild;

  const receiver = async (handler: Handler) => {
    const r = await startReceiver();
    r.setHandler(handler);
    receivers.push(r);
    return r;
  };

  before(async () => {
    await cluster.startTemporal();
    worker = await cluster.startWorker();
    await cluster.startApi();
    // Closes the connection while the request is still arriving, without answering.
    raw = createServer((s) => {
      sockets.add(s);
      s.once('data', () => s.destroy());
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    for (const r of receivers) await r.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => raw?.close(r));
    await cluster.shutdown();
  });

  void it('records each misbehaviour as a failed attempt and leaves the worker unharmed', async () => {
    const trap = await receiver((_req, res) => void res.writeHead(200).end());
    const huge: number[] = [];
    const cases: Record<string, { url: string; timeoutMs: number }> = {
      silent: { url: (await receiver(() => undefined)).url, timeoutMs: 1000 },
      slow: {
        url: (await receiver((_q, res) => void setTimeout(() => res.writeHead(200).end(), 800))).url,
        timeoutMs: 2000,
      },
      dropsResponse: {
        url: (
          await receiver((_q, res) => {
            res.writeHead(200, { 'content-length': '100000' });
            res.write('x'.repeat(100), () => res.socket?.destroy());
          })
        ).url,
        timeoutMs: 1000,
      },
      dropsRequest: {
        url: `http://127.0.0.1:${(raw.address() as { port: number }).port}/hook`,
        timeoutMs: 1000,
      },
      redirects: {
        url: (
          await receiver(
            (_q, res, n) => void res.writeHead(n === 1 ? 301 : 302, { location: trap.url }).end(),
          )
        ).url,
        timeoutMs: 1000,
      },
      hugeBody: {
        url: (
          await receiver(
            async (_q, res, n) => void huge.push(await streamBody(res, n === 1 ? 500 : 200, HUGE)),
          )
        ).url,
        timeoutMs: 5000,
      },
    };

    // Warm-up delivery first, so the baseline includes the HTTP client and a finished attempt.
    const warm = await createSubscription(cluster.apiUrl, {
      url: trap.url,
      batching: { debounceMs: 0, maxWaitMs: 0 },
    });
    await call(cluster.apiUrl, 'POST', `/v1/subscriptions/${warm.id}/changes`, {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 1, data: { v: 0 } }] },
    });
    await trap.waitForRequests(1, 20_000);
    const trapped = trap.requests.length;
    const baseline = rssKb(worker.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKb(worker.pid))), 100);
    const subs: Record<string, string> = {};
    try {
      for (const [name, c] of Object.entries(cases)) {
        const sub = await createSubscription(cluster.apiUrl, {
          name,
          url: c.url,
          batching: { debounceMs: 0, maxWaitMs: 0 },
          retry: {
            initialIntervalMs: 200,
            backoffCoefficient: 2,
            maximumAttempts: 2,
            timeoutMs: c.timeoutMs,
          },
        });
        subs[name] = sub.id as string;
        const res = await call(cluster.apiUrl, 'POST', `/v1/subscriptions/${sub.id}/changes`, {
          key: 'publish',
          body: { changes: [{ action: 'update', object: 'training', id: 1, data: { v: 1 } }] },
        });
        assert.equal(res.status, 202);
      }
      const outcome: Record<string, Delivery> = {};
      const end = Date.now() + 60_000;
      while (Object.keys(outcome).length < Object.keys(subs).length) {
        assert.ok(Date.now() < end, `deliveries still in flight: ${JSON.stringify(outcome)}`);
        for (const [name, id] of Object.entries(subs)) {
          const res = await call(cluster.apiUrl, 'GET', `/v1/subscriptions/${id}/deliveries`, {
            key: 'admin',
          });
          const d = (res.body.items as Delivery[] | undefined)?.[0];
          if (d && d.status !== 'in_flight') outcome[name] = d;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      const errors = (name: string) =>
        outcome[name]!.attempts.map((a) => a.error ?? `status ${a.statusCode}`);
      const failedWith = (name: string, pattern: RegExp) => {
        assert.equal(outcome[name]!.status, 'failed', `${name}: ${JSON.stringify(outcome[name])}`);
        assert.equal(outcome[name]!.attempts.length, 2, name);
        for (const e of errors(name)) assert.match(e, pattern, name);
      };
      failedWith('silent', /^Timeout: no complete response within 1000 ms/);
      failedWith('dropsResponse', /^NetworkError/);
      failedWith('dropsRequest', /^NetworkError/);
      failedWith('redirects', /redirects are not followed; location http:\/\/127\.0\.0\.1/);
      assert.deepEqual(
        outcome.redirects!.attempts.map((a) => a.statusCode),
        [301, 302],
      );
      assert.equal(trap.requests.length, trapped, 'no redirect was followed');
      assert.equal(outcome.slow!.status, 'delivered');
      assert.ok(outcome.slow!.attempts[0]!.durationMs >= 800);
      // Attempt 1: 500 with a 100 MB body is a failure; attempt 2: a 2xx is a success
      // (docs/contract.md §3), however big its body. Only the first KB is ever read.
      assert.equal(outcome.hugeBody!.status, 'delivered');
      assert.equal(outcome.hugeBody!.attempts[0]!.statusCode, 500);
      assert.match(outcome.hugeBody!.attempts[0]!.error!, /receiver answered 500/);
      for (const w of huge) assert.ok(w < HUGE / 4, `stopped reading early (${w} bytes written)`);

      clearInterval(sampler);
      const growthMb = (peak - baseline) / 1024;
      console.log(
        `hostile receivers: ${Object.entries(outcome)
          .map(([n, d]) => `${n} ${d.status} [${errors(n).join(' | ')}]`)
          .join(
            '; ',
          )}; huge bodies written before hang-up: ${huge.map((w) => `${(w / 1048576).toFixed(1)} MB`).join(', ')}; ` +
          `worker RSS ${(baseline / 1024).toFixed(0)} MB → peak ${(peak / 1024).toFixed(0)} MB (+${growthMb.toFixed(0)} MB)`,
      );
      assert.ok(growthMb < 100, `worker RSS grew by ${growthMb.toFixed(0)} MB`);
      assert.ok(peak < 1024 * 1024, `worker RSS peak ${(peak / 1024).toFixed(0)} MB`);
      assert.ok(worker.alive(), 'the worker is still running');
      assert.doesNotMatch(worker.stderr(), /unhandled|uncaught/i);
      assert.doesNotMatch(worker.stdout(), /unhandled|uncaught/i);
    } finally {
      clearInterval(sampler);
    }
  });
});
