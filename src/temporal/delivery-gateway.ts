// Delivery workflows as the services see them: the state of one in flight and the result of one
// that ended (its changes live there, not in the subscription's history).
import type { WorkflowHandle } from '@temporalio/client';
import { deliveryWorkflowId } from '../../core/ids';
import type { DeliveryResult, DeliveryState } from '../../core/types';
import { deliveryStateQuery } from '../../workflows/messages';
import type { deliveryWorkflow } from '../../workflows/delivery';
import type { TemporalCalls } from './calls';

export class DeliveryGateway {
  constructor(private readonly calls: TemporalCalls) {}

  private handle(subscriptionId: string, sequence: number): WorkflowHandle<typeof deliveryWorkflow> {
    return this.calls.client.workflow.getHandle(deliveryWorkflowId(subscriptionId, sequence));
  }

  state(subscriptionId: string, sequence: number): Promise<DeliveryState> {
    const h = this.handle(subscriptionId, sequence);
    return this.calls.query(h.workflowId, () => h.query(deliveryStateQuery), 'delivery');
  }

  result(subscriptionId: string, sequence: number): Promise<DeliveryResult> {
    return this.calls.call(() => this.handle(subscriptionId, sequence).result(), 'delivery');
  }
}
