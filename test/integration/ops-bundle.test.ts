// `npm run build`'s bundle step (scripts/bundle-workflows.ts) writes a workflow bundle that a
// production worker loads through HERALD_WORKFLOW_BUNDLE and runs a subscription with.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildWorkflowBundle } from '../../scripts/bundle-workflows';
import { workflowBundle } from '../../src/temporal/bundle';
import { statusQuery } from '../../workflows/messages';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startSubscription, subscriptionConfig, update } from '../helpers/subscriptions';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';
import { changesSignal } from '../../workflows/messages';

void describe('prebuilt workflow bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bundle-'));
  let t: TemporalHarness;
  let receiver: Receiver;
  const saved = process.env.HERALD_WORKFLOW_BUNDLE;
  before(async () => {
    t = await startTemporal();
    receiver = await startReceiver();
  });
  after(async () => {
    if (saved === undefined) delete process.env.HERALD_WORKFLOW_BUNDLE;
    else process.env.HERALD_WORKFLOW_BUNDLE = saved;
    await receiver?.close();
    await t?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('is built, taken by a worker through HERALD_WORKFLOW_BUNDLE, and delivers', async () => {
    const t0 = Date.now();
    const { codePath, bytes } = await buildWorkflowBundle(join(dir, 'workflow-bundle.js'));
    const buildMs = Date.now() - t0;
    const code = readFileSync(codePath, 'utf8');
    assert.ok(code.includes('subscriptionWorkflow') && code.includes('deliveryWorkflow'));

    process.env.HERALD_WORKFLOW_BUNDLE = codePath;
    assert.deepEqual(await workflowBundle(), { codePath }, 'the worker takes the prebuilt file');
    await t.startWorker();
    const config = subscriptionConfig(receiver.url, { batching: { debounceMs: 50 } });
    const handle = await startSubscription(t.client, t.taskQueue, config);
    await handle.signal(changesSignal, { changes: [update('training', 1, 1)] });
    await receiver.waitForRequests(1, 15_000);
    assert.equal((await handle.query(statusQuery)).state, 'active');
    console.log(
      `  bundle ${(bytes / 1024).toFixed(0)} KiB built in ${buildMs} ms; delivered in ${Date.now() - t0} ms total`,
    );
  });
});
