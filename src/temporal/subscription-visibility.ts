// The subscriptions Temporal's visibility lists, read from their runs' memos: running ones, broken
// ones (closed outside Herald) and ones continued as new lately; and a run's status in Herald's
// terms, as describe and a listing report it.
import { subscriptionWorkflowId } from '../../core/ids';
import type { PublicSubscription } from '../../core/types';
import type { TemporalCalls } from './calls';
import { isNotFound } from './gateway-errors';

const LIST_QUERY = "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'Running'";
const CONTINUED_QUERY = "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'ContinuedAsNew'";
/** Closed runs that are neither a continue-as-new nor a DELETE: candidates for `broken`. */
const BROKEN_QUERY =
  "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed' AND ExecutionStatus != 'ContinuedAsNew'";

/** Running; deleted (completed: only DELETE completes it); broken (closed any other way). */
export type RunStatus = 'running' | 'deleted' | 'broken';

export function runStatus(name: string): RunStatus {
  if (name === 'RUNNING') return 'running';
  return name === 'COMPLETED' ? 'deleted' : 'broken';
}

function memoOf(memo: Record<string, unknown> | undefined): PublicSubscription | undefined {
  const sub = memo?.subscription as PublicSubscription | undefined;
  return sub && typeof sub.id === 'string' && Array.isArray(sub.events) ? sub : undefined;
}

/**
 * Running subscriptions from visibility, and broken ones (state `broken`), so that publishing
 * to them answers 503 instead of dropping their changes. The routing table's source.
 */
export function listSubscriptions(
  calls: TemporalCalls,
  events?: readonly string[],
): Promise<PublicSubscription[]> {
  // Only those that listen to one of `events` (the operational events' routing), when given.
  const only = events ? ` AND HeraldEvents IN (${events.map((e) => `'${e}'`).join(', ')})` : '';
  return calls.call(async () => {
    const out = await memos(calls, LIST_QUERY + only);
    const candidates = await memos(calls, BROKEN_QUERY + only);
    for (const id of out.keys()) candidates.delete(id);
    // An old closed run may belong to a subscription restored or deleted since: ask for its latest run.
    for (const sub of candidates.values()) {
      const desc = await calls.client.workflow
        .getHandle(subscriptionWorkflowId(sub.id))
        .describe()
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined; // purged by a DELETE
          throw err;
        });
      if (desc && runStatus(desc.status.name) === 'broken') out.set(sub.id, { ...sub, state: 'broken' });
    }
    return [...out.values()];
  });
}

/**
 * Subscriptions with a run continued as new in the last `withinMs`: what one listing of
 * running ones can miss (that run closed in visibility, its successor not indexed yet).
 */
export function listRecentlyContinued(
  calls: TemporalCalls,
  withinMs = 60_000,
): Promise<PublicSubscription[]> {
  const since = new Date(Date.now() - withinMs).toISOString();
  const query = `${CONTINUED_QUERY} AND CloseTime > '${since}'`;
  return calls.call(async () => [...(await memos(calls, query)).values()]);
}

/** The subscription in each listed run's memo, by id (the last listed wins). */
async function memos(calls: TemporalCalls, query: string): Promise<Map<string, PublicSubscription>> {
  const out = new Map<string, PublicSubscription>();
  for await (const info of calls.client.workflow.list({ query })) {
    const sub = memoOf(info.memo);
    if (sub) out.set(sub.id, sub);
  }
  return out;
}
