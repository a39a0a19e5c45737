// The Temporal SDK's own worker metrics: `npm run worker` with HERALD_SDK_METRICS_ADDRESS serves
// them in Prometheus format, next to Herald's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { freePort } from '../helpers/ports';
import { waitUntil } from '../helpers/subscriptions';

describe('Temporal SDK worker metrics', () => {
  let t: TemporalHarness;
  let worker: ChildProcess | undefined;
  let output = '';
  before(async () => {
    t = await startTemporal();
  });
  after(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await t?.teardown();
  });

  it('are served on HERALD_SDK_METRICS_ADDRESS by a worker process', { timeout: 90_000 }, async () => {
    const address = `127.0.0.1:${await freePort()}`;
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: t.address,
        HERALD_TASK_QUEUE: t.taskQueue,
        HERALD_ADMIN_KEY: TEST_ADMIN_KEY,
        HERALD_PUBLISH_KEY: TEST_PUBLISH_KEY,
        HERALD_ENCRYPTION_KEY: t.config.encryptionKeys,
        HERALD_SDK_METRICS_ADDRESS: address,
        HERALD_LOG_LEVEL: 'warn',
      },
    });
    worker.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    worker.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    let text = '';
    await waitUntil(
      () => {
        fetch(`http://${address}/metrics`)
          .then(async (r) => void (text = await r.text()))
          .catch(() => undefined);
        return /temporal_worker_task_slots_available\{[^}]*task_queue="[^"]+"/.test(text);
      },
      60_000,
      `SDK metrics on ${address} (worker output: ${output.slice(-500)})`,
    );
    assert.match(text, new RegExp(`task_queue="${t.taskQueue}"`));
    assert.equal(worker.exitCode, null, 'the worker is still running');
  });
});
