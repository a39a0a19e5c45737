// The request and answer of the erasure routes (issue 29). The answer is tied to the service's
// type, so neither can gain a field alone; it never holds a key or a change.
import { z } from 'zod';
import type { ErasureView } from '../temporal/erasure-gateway';
import { tenantName } from './routing-schemas';
import { objectId, objectName } from './change-schemas';

export const MAX_ERASURE_KEYS = 100;

/** The merge key of the object to erase (docs/contract.md §4), as a change names it. */
export const eraseKey = z.strictObject({
  object: objectName,
  id: objectId.describe('Positive integer or string of 1–128 characters; 42 and "42" are the same object'),
  tenant: tenantName
    .optional()
    .describe("Only this tenant's object; absent: the object of every tenant and of none"),
});

export const erasureBody = z.union([
  eraseKey,
  z.strictObject({
    keys: z
      .array(eraseKey)
      .min(1)
      .max(MAX_ERASURE_KEYS)
      .describe(`1–${MAX_ERASURE_KEYS} keys erased together`),
  }),
]);

export const erasureParams = z.object({
  id: z.string().meta({ pattern: '^era_[A-Za-z0-9]{24}$' }).describe('Erasure id, era_ + 24 characters'),
});

const count = (what: string) => z.number().int().describe(what);

const countsOut = z.object({
  subscriptions: count('Running subscriptions whose current run held a key: erased, continued as new'),
  subscriptionsAffected: count('Of those, the ones whose pending or retained changes held it'),
  pendingChanges: count('Pending changes removed'),
  retainedChanges: count('Changes removed from batches kept for redelivery'),
  queuedBatchesRebuilt: count('Sealed batches waiting for their turn, rebuilt without the keys'),
  inFlightDeliveriesRebuilt: count('Deliveries retrying, stopped before their next attempt and rebuilt'),
  historiesScanned: count('Workflow runs whose histories were read'),
  subscriptionRunsDeleted: count('Closed subscription runs deleted'),
  deliveryRunsDeleted: count('Delivery workflow runs deleted'),
  otherRunsDeleted: count('Other runs deleted (inbox, earlier erasures)'),
  batchesKept: count('Ended deliveries whose other keys were kept in their subscription'),
  batchesDropped: count('Ended deliveries whose other keys were dropped: their subscription is gone'),
  stillHeld: count("Runs still holding a key: running outside Herald's reach, or a broken subscription's"),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const erasureOutSchema = z.object({
  erasureId: z.string(),
  state: z.enum(['running', 'done', 'failed']),
  phase: z.enum(['histories', 'done']).describe('histories: sweeping the namespace; done: the report'),
  keys: z.number().int().describe('How many keys it erases'),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  counts: countsOut,
});
const tied: Same<z.infer<typeof erasureOutSchema>, ErasureView> = true;
export const erasureOut = tied ? erasureOutSchema : erasureOutSchema;
