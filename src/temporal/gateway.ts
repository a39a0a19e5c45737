// The Temporal gateway: every client call the API makes goes through src/temporal/ (this file,
// subscription-gateway.ts, delivery-gateway.ts), each bounded by a deadline, with Temporal's
// errors sorted in gateway-errors.ts. Here: the changes signal and the readiness check.
import type { Client } from '@temporalio/client';
import { subscriptionWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';
import { attemptSignal, changesSignal, type ChangesSignalInput } from '../../workflows/messages';
import type { AttemptRecord } from '../../core/delivery-types';
import { isNotFound, toGatewayError } from './gateway-errors';
import { setupProblem } from './setup';
import { jsonText, type JsonText } from './payload-converter';
import { tracing } from '../tracing';

/** What a changes signal ended with, for the `herald_signals_sent_total` outcome label. */
export type SignalOutcome = 'ok' | 'not_found' | 'error';

/**
 * The group committer's send: one `changes` signal to a subscription's workflow, within
 * `timeoutMs`. Resolves once Temporal has recorded it; rejects with a sorted gateway error
 * (NotFoundError for a closed workflow, UnavailableError, …).
 */
export function changesSender(
  client: Client,
  timeoutMs: number,
): (subscriptionId: string, changes: Change[], traceparents?: string[]) => Promise<void> {
  const send = (id: string, changes: Change[], traceparents?: string[]) =>
    client
      .withDeadline(Date.now() + timeoutMs, () =>
        client.workflow
          .getHandle(subscriptionWorkflowId(id))
          // The same JSON as { changes, sizes }, from each change's text kept when it was measured.
          .signal(changesSignal, changesText(changes, traceparents) as unknown as ChangesSignalInput),
      )
      .catch((err: unknown) => {
        throw toGatewayError(err);
      });
  return (id, changes, traceparents) => {
    const traced = tracing();
    if (!traced) return send(id, changes);
    // One span per signal: a child of the round's first request, linked to the others (a root
    // span when the round carries none: never a child of whichever request started the rounds'
    // loop, whose context it inherits); the contexts also travel in the signal, so the batch's
    // delivery can join and link them.
    return traced.linked(
      'herald.signal changes',
      traceparents ?? [],
      {
        'herald.subscription_id': id,
        'herald.changes': changes.length,
        'herald.requests': traceparents?.length ?? 0,
      },
      () => send(id, changes, traceparents),
    );
  };
}

/** The delivery activity's report of a failed attempt to its delivery workflow (a signal). */
export function attemptReporter(
  client: Client,
): (workflowId: string, record: AttemptRecord) => Promise<void> {
  return (workflowId, record) => client.workflow.getHandle(workflowId).signal(attemptSignal, record);
}

/**
 * Why this instance must not take traffic (the namespace or a search attribute is missing), or
 * undefined when ready; rejects when Temporal does not answer within `timeoutMs`.
 */
export async function setupProblemWithin(client: Client, timeoutMs: number): Promise<string | undefined> {
  // The race also bounds a lazy connection's first connect, which the deadline does not cover.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('readiness check timed out')), timeoutMs);
  });
  try {
    return await Promise.race([
      client.withDeadline(Date.now() + timeoutMs, () => setupProblem(client)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function signalOutcome(ok: boolean, error: unknown): SignalOutcome {
  if (ok) return 'ok';
  return isNotFound(error) ? 'not_found' : 'error';
}

/**
 * A change routed to many subscriptions is one object shared by all of them (see ChangeRouter),
 * so it is serialized once to be measured, not once per subscription: `bytes` (UTF-8, what a
 * signal weighs) and `chars` (JSON length, the unit of the workflow's own bounds).
 */
const measures = new WeakMap<Change, Measured>();
interface Measured {
  bytes: number;
  chars: number;
  json: string;
}
export function measure(change: Change): Measured {
  let m = measures.get(change);
  if (!m) {
    const json = JSON.stringify(change);
    measures.set(change, (m = { bytes: Buffer.byteLength(json) + 1, chars: json.length + 1, json }));
  }
  return m;
}

/** `{"changes":[…],"sizes":[…]}` (and `"traceparents"`) without serializing any change again. */
export function changesText(changes: Change[], traceparents?: string[]): JsonText {
  const texts: string[] = [];
  const sizes: number[] = [];
  for (const c of changes) {
    const m = measure(c);
    texts.push(m.json);
    sizes.push(m.chars);
  }
  const traces = traceparents?.length ? `,"traceparents":${JSON.stringify(traceparents)}` : '';
  return jsonText(`{"changes":[${texts.join(',')}],"sizes":[${sizes.join(',')}]${traces}}`);
}
