// Records histories of real runs into test/fixtures/histories/, for the replay test: a
// subscription that continued as new, a delivered and a failed delivery. Re-record only on
// purpose (a deliberate, versioned workflow change): `npx tsx scripts/record-histories.ts`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTemporal } from '../test/helpers/temporal';
import { startReceiver } from '../test/helpers/receiver';
import { startSubscription, subscriptionConfig, update } from '../test/helpers/subscriptions';
import {
  changesSignal,
  deliveriesQuery,
  deliveryWorkflowId,
  pauseUpdate,
  resumeUpdate,
  statusQuery,
} from '../workflows/messages';

const OUT = join(__dirname, '..', 'test', 'fixtures', 'histories');

async function main() {
  const t = await startTemporal();
  await t.startWorker();
  const receiver = await startReceiver();
  try {
    // Fails twice (= all its attempts) for the first batch, then succeeds.
    receiver.setStatus((_r, n) => (n <= 2 ? 500 : 200));
    const cfg = subscriptionConfig(receiver.url, {
      batching: { debounceMs: 50, maxWaitMs: 200, maxBatchSize: 5 },
      retry: { initialIntervalMs: 100, maximumAttempts: 2 },
    });
    const h = await startSubscription(t.client, t.taskQueue, cfg, { historyLimit: 60 });
    for (let i = 0; i < 40; i++) await h.signal(changesSignal, { changes: [update('training', i % 12, i)] });
    await h.executeUpdate(pauseUpdate);
    await h.signal(changesSignal, { changes: [update('institute', 1, 1)] });
    await h.executeUpdate(resumeUpdate);
    let status = await h.query(statusQuery);
    for (let i = 0; i < 100 && (status.pendingChanges > 0 || status.inFlight); i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await h.query(statusQuery);
    }
    console.log(JSON.stringify(status), receiver.requests.length);
    if (status.counters.continuedAsNew < 1) throw new Error('expected a continue-as-new');
    const deliveries = await h.query(deliveriesQuery);
    const failed = deliveries.find((d) => d.status === 'failed');
    const delivered = deliveries.find((d) => d.status === 'delivered');
    if (!failed || !delivered) throw new Error('expected a failed and a delivered delivery');

    const runs: [string, string, string | undefined][] = [];
    // Every run of the subscription: the first ones end in continue-as-new.
    for await (const wf of t.client.workflow.list({ query: `WorkflowId = '${h.workflowId}'` })) {
      runs.push([`subscription-${runs.length + 1}`, wf.workflowId, wf.runId]);
    }
    runs.push(['delivery-failed', deliveryWorkflowId(cfg.id, failed.sequence), undefined]);
    runs.push(['delivery-delivered', deliveryWorkflowId(cfg.id, delivered.sequence), undefined]);
    for (const [name, workflowId, runId] of runs) {
      const history = await t.client.workflow.getHandle(workflowId, runId).fetchHistory();
      writeFileSync(join(OUT, `${name}.json`), JSON.stringify(history));
      console.log(`recorded ${name} (${history.events?.length} events)`);
    }
  } finally {
    await receiver.close();
    await t.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
