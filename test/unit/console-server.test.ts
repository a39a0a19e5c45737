// The console's server side without Temporal: the page, its policy and libraries, the config
// it reads, and the Temporal UI address from HERALD_TEMPORAL_UI_URL.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config';
import { testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

const external = {
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  HERALD_ADMIN_KEY: 'admin-key-0123456789',
  HERALD_PUBLISH_KEY: 'publish-key-0123456789',
  HERALD_ENCRYPTION_KEY: 'k1:' + Buffer.alloc(32, 3).toString('base64'),
};

void describe('console server', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildOfflineApp(testConfig({ temporalUiUrl: 'https://temporal.example' }));
  });
  after(async () => app?.close());

  void it('serves one page for every console path, with a policy that allows only its own scripts', async () => {
    for (const url of ['/console', '/console/', '/console/subscriptions/sub_x/edit', '/console/events']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /<script type="module" src="\/console\/app\/main\.js"><\/script>/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    }
    const res = await app.inject({ url: '/console' });
    const map = /<script type="importmap">(.*?)<\/script>/s.exec(res.body)?.[1];
    assert.ok(map, 'the import map is inlined');
    const hash = createHash('sha256').update(map).digest('base64');
    const csp = res.headers['content-security-policy'] as string;
    assert.ok(csp.includes(`script-src 'self' 'sha256-${hash}'`), csp);
    assert.ok(csp.includes("connect-src 'self'"));

    // Every module the import map names is served, as JavaScript.
    for (const path of Object.values(JSON.parse(map).imports as Record<string, string>)) {
      const lib = await app.inject({ url: path });
      assert.equal(lib.statusCode, 200, path);
      assert.match(lib.headers['content-type'] as string, /javascript/, path);
    }
    const css = await app.inject({ url: '/console/vendor/pico/pico.min.css' });
    assert.equal(css.statusCode, 200);
    assert.match(css.body, /Pico CSS/);
  });

  void it('serves the console modules and nothing else from their folders', async () => {
    const main = await app.inject({ url: '/console/app/main.js' });
    assert.equal(main.statusCode, 200);
    assert.match(main.body, /from 'preact-iso\/router'/);
    assert.equal((await app.inject({ url: '/console/app/index.html' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/console/vendor/preact/preact.mjs.map' })).statusCode, 404);
    const traversal = await app.inject({ url: '/console/app/%2e%2e/%2e%2e/config.ts' });
    assert.equal(traversal.statusCode, 404);
    assert.doesNotMatch(traversal.body, /zod/);
  });

  void it('tells the console where the Temporal UI is, and nothing secret', async () => {
    const res = await app.inject({ url: '/console/config.json' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { temporalUiUrl: 'https://temporal.example', namespace: 'default' });
  });

  void it('takes the Temporal UI address from HERALD_TEMPORAL_UI_URL, or the embedded UI', () => {
    assert.equal(loadConfig(external).temporalUiUrl, undefined, 'no link unless configured');
    const given = loadConfig({ ...external, HERALD_TEMPORAL_UI_URL: 'https://ui.example/' });
    assert.equal(given.temporalUiUrl, 'https://ui.example');
    assert.throws(
      () => loadConfig({ ...external, HERALD_TEMPORAL_UI_URL: 'not a url' }),
      /HERALD_TEMPORAL_UI_URL/,
    );
    const embedded = loadConfig({ ...external, TEMPORAL_ADDRESS: '', HERALD_UI_PORT: '8299' });
    assert.equal(embedded.temporalUiUrl, 'http://127.0.0.1:8299');
  });
});
