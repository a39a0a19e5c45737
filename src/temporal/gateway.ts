// The Temporal gateway: the client calls the API makes, each bounded by a deadline. The
// services and the API reach the workflows through here, never through workflows/ directly.
import type { Client } from '@temporalio/client';
import { subscriptionWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';
import { changesSignal } from '../../workflows/messages';

/** What a changes signal ended with, for the `herald_signals_sent_total` outcome label. */
export type SignalOutcome = 'ok' | 'not_found' | 'error';

/**
 * The group committer's send: one `changes` signal to a subscription's workflow, within
 * `timeoutMs`. Resolves once Temporal has recorded it.
 */
export function changesSender(
  client: Client,
  timeoutMs: number,
): (subscriptionId: string, changes: Change[]) => Promise<void> {
  return (id, changes) =>
    client.withDeadline(Date.now() + timeoutMs, () =>
      client.workflow
        .getHandle(subscriptionWorkflowId(id))
        .signal(changesSignal, { changes, sizes: changes.map((c) => measure(c).chars) }),
    );
}

export function signalOutcome(ok: boolean, error: unknown): SignalOutcome {
  if (ok) return 'ok';
  return (error as Error | undefined)?.name === 'WorkflowNotFoundError' ? 'not_found' : 'error';
}

/**
 * A change routed to many subscriptions is one object shared by all of them (see ChangeRouter),
 * so it is serialized once to be measured, not once per subscription: `bytes` (UTF-8, what a
 * signal weighs) and `chars` (JSON length, the unit of the workflow's own bounds).
 */
const measures = new WeakMap<Change, { bytes: number; chars: number }>();
export function measure(change: Change): { bytes: number; chars: number } {
  let m = measures.get(change);
  if (!m) {
    const json = JSON.stringify(change);
    measures.set(change, (m = { bytes: Buffer.byteLength(json) + 1, chars: json.length + 1 }));
  }
  return m;
}
