// Engine cost read off the real histories: every event of every run of the given
// subscriptions and of their delivery workflows, divided by the batches delivered.
import { deliveryWorkflowId, subscriptionWorkflowId } from '../core/ids';
import type { BenchContext } from './context';

export async function eventsPerBatch(
  ctx: BenchContext,
  subscriptionIds: string[],
  batches: number,
): Promise<number> {
  let events = 0;
  for (const id of subscriptionIds) {
    for (const workflowId of [subscriptionWorkflowId(id)]) events += await countEvents(ctx, workflowId);
    // Delivery workflows exist only for batches whose first attempt failed, or that were sealed.
    for await (const wf of ctx.temporal.workflow.list({
      query: `WorkflowType = 'deliveryWorkflow' AND WorkflowId STARTS_WITH '${deliveryWorkflowId(id, 0).slice(0, -1)}'`,
    }))
      events +=
        (await ctx.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events?.length ?? 0;
  }
  return events / Math.max(1, batches);
}

async function countEvents(ctx: BenchContext, workflowId: string): Promise<number> {
  let n = 0;
  for await (const wf of ctx.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    n += (await ctx.temporal.workflow.getHandle(workflowId, wf.runId).fetchHistory()).events?.length ?? 0;
  return n;
}
