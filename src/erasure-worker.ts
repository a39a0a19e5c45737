// What the worker's erasure activities do (activities/erasure.ts, issue 29), over the client
// and Herald's own codec: the steps on each subscription and the sweep of the namespace's
// histories (src/temporal/erasure-*.ts).
import type { Client } from '@temporalio/client';
import type { ErasureDeps } from '../activities';
import type { HeraldConfig } from './config';
import { createEncryptionCodec } from './temporal/codec';
import { eraseFromSubscription, runningSubscriptionIds } from './temporal/erasure-steps';
import { deleteRuns, sweepHistories } from './temporal/erasure-sweep';

export function erasureWorker(config: HeraldConfig, client: Client): ErasureDeps {
  const codec = createEncryptionCodec(config.encryptionKeys);
  return {
    subscriptionIds: (pageToken) => runningSubscriptionIds(client, pageToken),
    eraseFromSubscription: (id, keys, beat) => eraseFromSubscription(client, id, keys, beat),
    sweep: (keys, self, from, beat) => sweepHistories({ client, codec }, keys, self, from, beat),
    deleteRuns: (workflowId, keepRunId) => deleteRuns(client, workflowId, keepRunId),
  };
}
