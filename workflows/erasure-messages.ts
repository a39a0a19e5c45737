// The messages of an erasure (issue 29), apart from workflows/messages.ts: the erase and keep
// updates a subscription takes, the drop update a delivery takes, and the erasure's progress.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { EraseKey } from '../core/erase';
import type { ErasureProgress, SubscriptionErased } from '../core/erasure-report';
import type { Change } from '../core/types';

/**
 * Removes the keys from the subscription's live state (pending and retained changes) once no
 * first attempt is running, then continues as new so the current run no longer holds them. The
 * answer names the run that took it (to be deleted once closed) and the deliveries still open.
 */
export const eraseUpdate = defineUpdate<
  SubscriptionErased & { runId: string; openSequences: number[] },
  [{ keys: EraseKey[] }]
>('erase');

/**
 * Keeps an ended delivery's other changes (its key erased) as a retained batch of its sequence,
 * before its workflow is deleted: the delivery stays listed with them and redeliverable.
 */
export const keepBatchUpdate = defineUpdate<void, [{ sequence: number; changes: Change[] }]>('keepBatch');

/**
 * A delivery not yet delivered (queued, or retrying) drops the keys from its batch and continues
 * as new with the rest, keeping its attempts and schedule; an emptied one sends nothing.
 * Answers how many changes went; refused once the delivery has ended.
 */
export const dropKeysUpdate = defineUpdate<{ removed: number }, [{ keys: EraseKey[] }]>('dropKeys');

export const erasureProgressQuery = defineQuery<ErasureProgress>('erasureProgress');
