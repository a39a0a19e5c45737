import { test } from 'node:test';
import { startTemporal } from '../test/helpers/temporal';
import { startReceiver } from '../test/helpers/receiver';
import { startSubscription, subscriptionConfig } from '../test/helpers/subscriptions';
import { changesSignal, statusQuery } from '../workflows/messages';
import { randomBytes } from 'node:crypto';

test('repro', { timeout: 120_000 }, async () => {
  process.env.HERALD_TEST_SDK_LOGS = '1';
  const t = await startTemporal();
  let w = await t.startWorker();
  const rx = await startReceiver();
  rx.setStatus(503);
  const cfg = subscriptionConfig(rx.url, { batching: { debounceMs: 200, maxWaitMs: 1000, maxBatchSize: 500 }, retry: { initialIntervalMs: 500, backoffCoefficient: 1, maximumAttempts: 0 } });
  const h = await startSubscription(t.client, t.taskQueue, cfg, { searchAttributes: true });
  for (let r = 0; r < 60; r++) {
    const changes = Array.from({ length: 1000 }, (_, i) => ({ action: 'update' as const, object: 'training', id: r * 1000 + i, data: { h: randomBytes(95).toString('hex') } }));
    await h.signal(changesSignal, { changes });
    if (r === 30) { await w.shutdown(); w = await t.startWorker(); console.log('worker restarted'); }
  }
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    try { const s = await h.query(statusQuery); console.log('status', s.pendingChanges, s.queuedBatches); } catch (e) { console.log('query failed', (e as Error).message); }
  }
  await rx.close(); await t.teardown();
});
