// The real process (issue 6, and the foundation's promise): `node --import tsx src/main.ts` in
// embedded mode starts Temporal, the worker, the API and the UI; SIGTERM ends it with exit 0 and
// no Temporal child left behind; a restart on the same data dir still has the subscription.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { codecUiToken } from '../../src/temporal/codec';
import { freePort } from '../helpers/ports';
import { alive, childPids, until } from '../helpers/herald-process';

const ROOT = resolve(__dirname, '..', '..');
const ADMIN_KEY = 'process-test-admin-key-0123456789';
const PUBLISH_KEY = 'process-test-publish-key-0123456789';

void describe('the herald process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-process-'));
  const spawned = new Set<number>();
  after(() => {
    // Only if an assertion failed midway: nothing of ours may outlive the test.
    for (const pid of spawned) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('starts, answers, stops on SIGTERM with exit 0 leaving no process, and keeps state', async () => {
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('HERALD_') && !k.startsWith('TEMPORAL_ADDRESS'),
      ),
    );
    Object.assign(env, {
      HERALD_DATA_DIR: dataDir,
      HERALD_PORT: String(port),
      HERALD_TEMPORAL_PORT: String(temporalPort),
      HERALD_UI_PORT: String(uiPort),
      HERALD_ADMIN_KEY: ADMIN_KEY,
      HERALD_PUBLISH_KEY: PUBLISH_KEY,
    });
    const base = `http://127.0.0.1:${port}`;
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    let output = '';

    const start = async () => {
      const t0 = Date.now();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      spawned.add(child.pid!);
      child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await until('/readyz 200', async () => (await fetch(`${base}/readyz`)).status === 200, 90_000);
      await until('the Temporal UI', async () => (await fetch(`http://127.0.0.1:${uiPort}/`)).ok, 20_000);
      const temporal = childPids(child.pid!).find((p) => p.comm === 'temporal');
      assert.ok(temporal, 'the embedded Temporal server is a child of the process');
      spawned.add(temporal.pid);
      return { child, exited, temporalPid: temporal.pid, startMs: Date.now() - t0 };
    };
    const stop = async (p: { child: ChildProcess; exited: Promise<number | null>; temporalPid: number }) => {
      const t0 = Date.now();
      p.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((r) => (timer = setTimeout(() => r('timeout'), 30_000)));
      const code = await Promise.race([p.exited, timeout]);
      clearTimeout(timer);
      assert.equal(code, 0, `exit code after SIGTERM\n${output}`);
      assert.ok(!alive(p.temporalPid), 'the Temporal child is gone');
      assert.ok(!alive(p.child.pid!), 'the process is gone');
      return Date.now() - t0;
    };

    const first = await start();
    // The UI was started with our codec endpoint: the token path, not the admin key.
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string };
    };
    const endpoint = `${base}/codec/ui/${codecUiToken(ADMIN_KEY)}`;
    assert.equal(settings.Codec?.Endpoint, endpoint);
    // What the browser does from the UI's origin: a preflight, then the POST.
    const origin = `http://127.0.0.1:${uiPort}`;
    const preflight = await fetch(`${endpoint}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    const decode = await fetch(`${endpoint}/decode`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: [] }),
    });
    assert.equal(decode.status, 200);
    assert.equal(decode.headers.get('access-control-allow-origin'), origin);

    const created = await fetch(`${base}/v1/subscriptions`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'Survivor', url: 'http://127.0.0.1:9/hook', events: ['*'] }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const firstStop = await stop(first);

    const second = await start();
    const got = await fetch(`${base}/v1/subscriptions/${id}`, { headers: admin });
    assert.equal(got.status, 200, 'the subscription survived the restart');
    assert.equal(((await got.json()) as { name: string }).name, 'Survivor');
    const secondStop = await stop(second);

    for (const secret of [ADMIN_KEY, PUBLISH_KEY, codecUiToken(ADMIN_KEY)]) {
      const at = output.indexOf(secret);
      assert.ok(at < 0, `no key or codec token in the process output: …${output.slice(at - 300, at + 100)}`);
    }
    console.log(
      `  start ${first.startMs} ms, SIGTERM→exit ${firstStop} ms; restart ${second.startMs} ms, SIGTERM→exit ${secondStop} ms`,
    );
  });
});
