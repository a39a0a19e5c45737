// What the worker's erasure activities do (activities/erasure.ts, issue 29), over the client
// and Herald's own codec: the sweep of the namespace's histories (src/temporal/erasure-*.ts).
import type { Client } from '@temporalio/client';
import type { ErasureDeps } from '../activities';
import type { HeraldConfig } from './config';
import { createEncryptionCodec } from './temporal/codec';
import { sweepPage } from './temporal/erasure-sweep';
import { deleteRuns, untilGone } from './temporal/erasure-deletion';

export function erasureWorker(config: HeraldConfig, client: Client): ErasureDeps {
  const codec = createEncryptionCodec(config.encryptionKeys);
  return {
    sweepPage: (keys, self, pageToken, from, beat) =>
      sweepPage({ client, codec }, keys, self, pageToken, from, beat),
    untilDeleted: (runs, beat) => untilGone(client, runs, beat),
    deleteRuns: (workflowId, keepRunId) => deleteRuns(client, workflowId, keepRunId),
  };
}
