// A publisher and an operator talking to Herald's HTTP API over the network, as outsiders do.
import type { Change } from '../../../core/types';
import { call, type Json } from '../../helpers/http';

export { call, type Answer } from '../../helpers/http';

/** POST /v1/subscriptions; throws unless 201. */
export async function createSubscription(baseUrl: string, body: Json): Promise<Json> {
  const res = await call(baseUrl, 'POST', '/v1/subscriptions', {
    key: 'admin',
    body: { name: 'reliability', events: ['*'], ...body },
  });
  if (res.status !== 201) throw new Error(`create subscription: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface PublishOutcome {
  /** Requests sent, retries included. */
  tries: number;
  /** Tries that got no answer or a 5xx. */
  errors: number;
  /** Of those, 503 subscription_busy (backpressure). */
  busy: number;
}

/**
 * POST /v1/changes as a careful publisher does: a network error or a 5xx may or may not have
 * been recorded, so the same request is sent again (changes merge by key, so that is safe)
 * until it is answered 202, after `Retry-After` when the answer has one. A 4xx is the
 * publisher's bug and throws.
 */
export async function publishUntilAccepted(
  baseUrl: () => string,
  changes: Change[],
  deadlineMs = 90_000,
): Promise<PublishOutcome> {
  const end = Date.now() + deadlineMs;
  const out: PublishOutcome = { tries: 0, errors: 0, busy: 0 };
  for (;;) {
    out.tries++;
    let why: string;
    let waitMs = 250;
    try {
      const res = await call(baseUrl(), 'POST', '/v1/changes', {
        key: 'publish',
        body: { changes },
        timeoutMs: 15_000,
      });
      if (res.status === 202) return out;
      if (res.status < 500) throw new Error(`publish refused: ${res.status} ${JSON.stringify(res.body)}`);
      why = `${res.status} ${JSON.stringify(res.body)}`;
      if (res.body?.error === 'subscription_busy') {
        out.busy++;
        waitMs = Number(res.headers.get('retry-after') ?? 1) * 1000;
      }
    } catch (err) {
      if ((err as Error).message.startsWith('publish refused')) throw err;
      why = (err as Error).message;
    }
    out.errors++;
    if (Date.now() > end) throw new Error(`publish not accepted within ${deadlineMs} ms: ${why}`);
    await new Promise((r) => setTimeout(r, waitMs));
  }
}
