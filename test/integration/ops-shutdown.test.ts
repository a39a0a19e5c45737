// Issue 13 §6: SIGTERM to `npm start` ends every process within 15 s, also right after load,
// with a delivery's first attempt hanging on the wire, deliveries retrying and a backlog large
// enough to be sealed into queued deliveries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { alive, childPids, until } from '../helpers/herald-process';
import { freePort } from '../helpers/ports';
import { startReceiver, type Receiver } from '../helpers/receiver';

const ROOT = resolve(__dirname, '..', '..');
const ADMIN = 'shutdown-test-admin-key-0123456789';
const PUBLISH = 'shutdown-test-publish-key-0123456789';
const KEYS = 30_000;
const LIMIT_MS = 15_000;

void describe('SIGTERM after load', { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-shutdown-'));
  const spawned = new Set<number>();
  const receivers: Receiver[] = [];
  after(async () => {
    for (const pid of spawned) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const r of receivers) await r.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('ends every process within 15 s with deliveries hanging, retrying and queued', async () => {
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_') && !k.startsWith('TEMPORAL_')),
    );
    Object.assign(env, {
      HERALD_DATA_DIR: dataDir,
      HERALD_PORT: String(port),
      HERALD_TEMPORAL_PORT: String(temporalPort),
      HERALD_UI_PORT: String(uiPort),
      HERALD_ADMIN_KEY: ADMIN,
      HERALD_PUBLISH_KEY: PUBLISH,
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.add(child.pid!);
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const base = `http://127.0.0.1:${port}`;
    await until('/readyz 200', async () => (await fetch(`${base}/readyz`)).status === 200, 90_000);
    const temporal = childPids(child.pid!).find((p) => p.comm === 'temporal');
    assert.ok(temporal, 'the embedded Temporal server runs');
    spawned.add(temporal.pid);

    const hanging = await startReceiver();
    hanging.setHandler(() => undefined); // never answers: the first attempt hangs on the wire
    const failing = await startReceiver();
    failing.setStatus(503);
    receivers.push(hanging, failing);
    const post = (path: string, key: string, body: unknown) =>
      fetch(base + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const [name, url] of [
      ['hanging', hanging.url],
      ['failing', failing.url],
    ] as const) {
      const res = await post('/v1/subscriptions', ADMIN, {
        name,
        url,
        events: ['*'],
        batching: { debounceMs: 50, maxWaitMs: 200 },
        retry: { initialIntervalMs: 100, backoffCoefficient: 1, maximumAttempts: 0, timeoutMs: 60_000 },
      });
      assert.equal(res.status, 201);
    }
    for (let from = 0; from < KEYS; from += 1000) {
      const changes = Array.from({ length: 1000 }, (_, i) => ({
        action: 'update',
        object: 'training',
        id: from + i + 1,
        data: { h: 'x'.repeat(200) },
      }));
      const res = await post('/v1/changes', PUBLISH, { changes });
      assert.equal(res.status, 202);
    }
    await until('the hanging attempt', () => hanging.requests.length >= 1 || undefined, 30_000);
    await until('retries', () => failing.requests.length >= 3 || undefined, 30_000);

    const t0 = Date.now();
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise((r) => (timer = setTimeout(() => r('still running'), 30_000))),
    ]);
    clearTimeout(timer);
    const tookMs = Date.now() - t0;
    console.log(`  SIGTERM after ${KEYS} keys into 2 subscriptions: exit ${String(code)} in ${tookMs} ms`);
    assert.ok(tookMs <= LIMIT_MS, `exited in ${tookMs} ms\n${output.slice(-2000)}`);
    assert.equal(code, 0, output.slice(-2000));
    await until('the Temporal child to be gone', () => !alive(temporal.pid) || undefined, 2_000);
    assert.ok(!alive(child.pid!), 'the process is gone');
  });
});
