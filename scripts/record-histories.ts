// Records histories of real runs into test/fixtures/histories/, for the replay test. The files
// without a prefix were recorded before the fast path (they replay through `patched()`); this
// script records the `fast-` ones: a subscription that continued as new, delivered batches on
// the fast path, fell back to a delivery child, and sealed a backlog into queued deliveries.
// Re-record only on purpose (a deliberate, versioned workflow change), under a new prefix so
// that the histories of every earlier version stay and keep replaying:
// `HERALD_FIXTURE_PREFIX=queued- npx tsx scripts/record-histories.ts` recorded the runs whose
// sealed batches go to the queued task queue. With tracing on (any OTEL_* variable that turns it
// on, e.g. an endpoint nobody listens on) the worker runs the traced bundle and every signal
// carries a traceparent: `traced-` recorded those, so the replay test proves a history recorded
// with tracing replays without it, and the other way round.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { startTracing, stopTracing } from '../src/tracing';
import { join } from 'node:path';
import { startTemporal } from '../test/helpers/temporal';
import { startReceiver } from '../test/helpers/receiver';
import { startSubscription, subscriptionConfig, update, waitUntil } from '../test/helpers/subscriptions';
import { SEAL_KEYS } from '../core/subscription-carried';
import { changesSignal, pauseUpdate, resumeUpdate, statusQuery } from '../workflows/messages';
import { deliveryWorkflowId } from '../core/ids';
import type { SubscriptionStatus } from '../core/types';

const OUT = join(__dirname, '..', 'test', 'fixtures', 'histories');
const PREFIX = process.env.HERALD_FIXTURE_PREFIX ?? 'fast-';

async function main() {
  const traced = await startTracing('herald-record');
  const trace = () =>
    traced
      ? { traceparents: [`00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`] }
      : {};
  const t = await startTemporal();
  await t.startWorker();
  const receiver = await startReceiver();
  try {
    // The first batch fails its fast-path attempt and its first retry in the child, then all succeeds.
    receiver.setStatus((_r, n) => (n <= 2 ? 500 : 200));
    const cfg = subscriptionConfig(receiver.url, {
      batching: { debounceMs: 50, maxWaitMs: 200, maxBatchSize: 1000 },
      retry: { initialIntervalMs: 1000, maximumAttempts: 3 },
    });
    const h = await startSubscription(t.client, t.taskQueue, cfg, { historyLimit: 120 });
    let status: SubscriptionStatus = await h.query(statusQuery);
    await h.signal(changesSignal, { changes: [update('training', 0, 0)], ...trace() });
    await waitUntil(() => receiver.requests.length >= 1, 10_000, 'the first attempt');
    // While the child waits for its retry: more keys than the open window holds, so batches seal.
    for (let i = 0; i < 6; i++) {
      const changes = Array.from({ length: 1000 }, (_, k) => update('training', i * 1000 + k + 1, i));
      await h.signal(changesSignal, { changes, ...trace() });
    }
    await h.executeUpdate(pauseUpdate);
    await h.signal(changesSignal, { changes: [update('institute', 1, 1)], ...trace() });
    await h.executeUpdate(resumeUpdate);
    for (let i = 0; i < 40; i++)
      await h.signal(changesSignal, { changes: [update('training', i % 12, i)], ...trace() });
    for (let i = 0; i < 200; i++) {
      status = await h.query(statusQuery);
      if (status.pendingChanges === 0 && !status.inFlight && !status.queuedBatches) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(JSON.stringify(status), receiver.requests.length, `(seal at ${SEAL_KEYS} keys)`);
    if (status.counters.continuedAsNew < 1) throw new Error('expected a continue-as-new');
    if (status.counters.deliveriesStarted < 4) throw new Error('expected sealed batches');

    const runs: [string, string, string | undefined][] = [];
    for await (const wf of t.client.workflow.list({ query: `WorkflowId = '${h.workflowId}'` })) {
      runs.push([`${PREFIX}subscription-${runs.length + 1}`, wf.workflowId, wf.runId]);
    }
    runs.push([`${PREFIX}delivery-retried`, deliveryWorkflowId(cfg.id, 1), undefined]);
    runs.push([`${PREFIX}delivery-queued`, deliveryWorkflowId(cfg.id, 2), undefined]);
    for (const [name, workflowId, runId] of runs) {
      const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
      writeFileSync(join(OUT, `${name}.json`), JSON.stringify(history));
      console.log(`recorded ${name} (${history.events?.length} events)`);
    }
  } finally {
    await receiver.close();
    await t.teardown();
    await stopTracing();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
