// A subscription's part of an erasure (issue 29): the erase update removes the keys from what the
// entity holds and asks the main loop to continue as new, so only a closed run (deleted by the
// erasure) still holds them; the keepBatch update stores an ended delivery's other changes.
// New updates only: runs recorded before them never received one, so they replay unchanged.
import { ApplicationFailure, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import { eraseRetained, keepBatch, withoutErased } from '../core/erase';
import { DOMAIN_ERRORS } from '../core/errors';
import { PendingChanges } from '../core/merge';
import type { SubscriptionEntity } from '../core/subscription';
import { RETAINED_BYTES } from '../core/subscription-carried';
import { eraseUpdate, keepBatchUpdate } from './erasure-messages';

export interface ErasureHooks {
  /** The main loop must look (continue as new). */
  wake(): void;
}

/** Registers the handlers; `due()` is true once an erasure asked for a new run. */
export function acceptErasures(sub: SubscriptionEntity, hooks: ErasureHooks): { due(): boolean } {
  let due = false;
  const notDeleted = (..._args: unknown[]) => {
    if (sub.deleted)
      throw ApplicationFailure.nonRetryable('subscription is deleted', DOMAIN_ERRORS.subscriptionDeleted);
  };
  setHandler(
    eraseUpdate,
    async ({ keys }) => {
      // A first attempt in flight finishes first: its batch is retained (or handed to a child) after it.
      await condition(() => sub.inFlight?.runner !== 'local');
      const entries = sub.pending.toJSON();
      const kept = entries.filter((e) => withoutErased([e.change], keys).length === 1);
      if (kept.length !== entries.length) sub.pending = new PendingChanges(kept);
      const retained = eraseRetained(sub.retained, keys);
      sub.retained = retained.retained;
      due = true;
      hooks.wake();
      const { from, counts } = sub.queue;
      const openSequences = counts.map((_, i) => from + i);
      if (sub.inFlight && sub.inFlight.runner !== 'local') openSequences.unshift(sub.inFlight.sequence);
      return {
        pendingChanges: entries.length - kept.length,
        retainedChanges: retained.removed,
        runId: workflowInfo().runId,
        openSequences,
      };
    },
    { validator: notDeleted },
  );
  setHandler(
    keepBatchUpdate,
    ({ sequence, changes }) => {
      sub.retained = keepBatch(sub.retained, sequence, changes, RETAINED_BYTES);
    },
    { validator: notDeleted },
  );
  return { due: () => due };
}
