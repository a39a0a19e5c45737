// The activities of a subscription's lifecycle: emitting an operational event (routed like a
// publisher's change, through the same service path) and taking a delivery back from its
// delivery workflow when the subscription is disabled mid-retry. Both are done by the process
// that runs the worker, which hands in how (src/operational-worker.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { OperationalChange } from '../core/operational-events';
import type { Change } from '../core/types';
import type { AttemptRecord } from '../core/delivery-types';

/** What a delivery workflow still held when it was stopped. */
export interface WithdrawnDelivery {
  changes: Change[];
  attempts: AttemptRecord[];
}

export interface OperationsDeps {
  /** Routes the event to every subscription that wants it but `about`; answers how many. */
  emit(change: OperationalChange, about: string): Promise<number>;
  /** Cancels a delivery still retrying and answers its batch; null when it had already ended. */
  withdraw(deliveryWorkflowId: string): Promise<WithdrawnDelivery | null>;
}

export function createOperations(deps: OperationsDeps | undefined) {
  const missing = () =>
    // Retried: a worker built without them (a test's bare worker) leaves the event to one that has.
    ApplicationFailure.retryable('this worker cannot emit operational events', 'OperationsNotWired');
  return {
    async emitOperationalEvent(change: OperationalChange, about: string): Promise<number> {
      if (!deps) throw missing();
      return deps.emit(change, about);
    },
    async withdrawDelivery(deliveryWorkflowId: string): Promise<WithdrawnDelivery | null> {
      if (!deps) throw missing();
      return deps.withdraw(deliveryWorkflowId);
    },
  };
}
