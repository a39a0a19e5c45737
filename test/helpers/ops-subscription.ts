// An operations subscription for tests: its own receiver on 127.0.0.1 and a subscription to
// Herald's operational events there, whose deliveries are read only after they verify with both
// the receiver kit (src/receiver) and the standardwebhooks library.
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { verifyDelivery } from '../../src/receiver';
import { startReceiver, type Receiver } from './receiver';
import type { Stack } from './stack';

export interface OpsChange {
  event: string;
  id: string;
  data: Record<string, unknown> & { id: string };
}

export interface OpsSubscription {
  receiver: Receiver;
  /** Every operational event received so far, in arrival order. */
  events(): OpsChange[];
  close(): Promise<void>;
}

export async function startOpsSubscription(s: Stack, events: string[]): Promise<OpsSubscription> {
  const receiver = await startReceiver();
  const created = await s.api('POST', '/v1/subscriptions', {
    key: 'admin',
    body: { name: 'operations', url: receiver.url, events, batching: { debounceMs: 100, maxWaitMs: 500 } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const secret = created.body.signingSecret as string;
  return {
    receiver,
    events: () =>
      receiver.requests.flatMap(({ rawBody, headers }) => {
        const h = headers as Record<string, string>;
        verifyDelivery({ rawBody, headers: h, secret });
        return (new Webhook(secret).verify(rawBody, h) as { changes: OpsChange[] }).changes;
      }),
    close: () => receiver.close(),
  };
}
