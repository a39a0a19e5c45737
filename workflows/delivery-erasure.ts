// A delivery's part of an erasure (issue 29): a delivery not yet delivered drops the erased keys
// from its batch and continues as new with the rest, so only its closed run (deleted by the
// erasure) still holds them. Its attempts and the schedule's next gap go with it; a retry
// waiting or running is cancelled first (an attempt already on the wire may still arrive).
// A new update only: runs recorded before it never received one, so they replay unchanged.
import { ApplicationFailure, CancellationScope, continueAsNew, setHandler } from '@temporalio/workflow';
import { withoutErased, type EraseKey } from '../core/erase';
import { nextAttemptAtMs } from '../core/retry-policy';
import type { AttemptRecord, DeliveryInput, DeliveryStatus } from '../core/delivery-types';
import { dropKeysUpdate } from './erasure-messages';
import type { deliveryWorkflow } from './delivery';

export interface DropKeys {
  /** The keys an erasure asked to drop (undefined: none asked). */
  readonly requested: EraseKey[] | undefined;
  /** The scope of the retries: cancelled when a drop is asked while they run. */
  readonly scope: CancellationScope;
  /** Continues as new without the keys (throws, as continueAsNew does). */
  continueWithout(released: boolean): Promise<never>;
}

export function acceptDropKeys(
  input: DeliveryInput,
  state: () => { status: DeliveryStatus; attempts: AttemptRecord[] },
): DropKeys {
  let requested: EraseKey[] | undefined;
  const scope = new CancellationScope();
  setHandler(
    dropKeysUpdate,
    ({ keys }) => {
      requested = keys;
      scope.cancel();
      return { removed: input.changes.length - withoutErased(input.changes, keys).length };
    },
    {
      validator: (..._args: unknown[]) => {
        if (state().status !== 'in_flight')
          throw ApplicationFailure.nonRetryable('delivery has ended', 'HeraldDeliveryEnded');
      },
    },
  );
  return {
    get requested() {
      return requested;
    },
    scope,
    async continueWithout(released) {
      const { attempts } = state();
      const last = attempts[attempts.length - 1];
      const resume = last
        ? {
            priorAttempts: attempts,
            attemptOffset: last.attempt,
            firstDelayMs: Math.max(0, nextAttemptAtMs(input.retry, last) - Date.now()),
          }
        : {};
      return continueAsNew<typeof deliveryWorkflow>({
        ...input,
        ...resume,
        changes: withoutErased(input.changes, requested ?? []),
        queued: input.queued === true && !released,
      });
    },
  };
}
