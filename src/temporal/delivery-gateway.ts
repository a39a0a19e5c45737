// Delivery workflows as the services see them: the state of one in flight and the result of one
// that ended (its changes live there, not in the subscription's history).
import type { WorkflowHandle } from '@temporalio/client';
import { deliveryWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';
import type { AttemptRecord, DeliveryResult, DeliveryState } from '../../core/delivery-types';
import { deliveryStateQuery } from '../../workflows/messages';
import type { deliveryWorkflow } from '../../workflows/delivery';
import type { TemporalCalls } from './calls';
import { isNotFound } from './gateway-errors';

export class DeliveryGateway {
  constructor(private readonly calls: TemporalCalls) {}

  private handle(subscriptionId: string, sequence: number): WorkflowHandle<typeof deliveryWorkflow> {
    return this.calls.client.workflow.getHandle(deliveryWorkflowId(subscriptionId, sequence));
  }

  state(subscriptionId: string, sequence: number): Promise<DeliveryState> {
    const h = this.handle(subscriptionId, sequence);
    return this.calls.query(h.workflowId, () => h.query(deliveryStateQuery), 'delivery');
  }

  /**
   * Stops a delivery that is still retrying (cancels its workflow) and answers what it held;
   * null when it had already ended (it reports its own end to its subscription).
   */
  withdraw(workflowId: string): Promise<{ changes: Change[]; attempts: AttemptRecord[] } | null> {
    const h = this.calls.client.workflow.getHandle(workflowId);
    return this.calls.call(async () => {
      let state: DeliveryState;
      try {
        state = await h.query(deliveryStateQuery);
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
      if (state.status === 'delivered' || state.status === 'failed') return null;
      const desc = await h.describe();
      if (desc.status.name !== 'RUNNING') return null;
      await h.cancel();
      return { changes: state.changes, attempts: state.attempts };
    }, 'delivery');
  }

  result(subscriptionId: string, sequence: number): Promise<DeliveryResult> {
    return this.calls.call(() => this.handle(subscriptionId, sequence).result(), 'delivery');
  }
}
