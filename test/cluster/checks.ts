// What the cluster test proves, phase by phase, against the model of the reliability suites:
// per key, the last change an API accepted (202) must be the last one each receiver
// acknowledged. Changes go through both APIs; every request a receiver got is verified with the
// standardwebhooks library.
import { Webhook } from 'standardwebhooks';
import type { Client } from '@temporalio/client';
import type { Change } from '../../core/types';
import { call, createSubscription, publishUntilAccepted } from '../reliability/helpers/api';
import { Model, startModelReceiver, type Behaviour, type ModelReceiver } from '../reliability/helpers/model';
import type { HeraldNode } from './herald';
import { until } from './processes';

const KEYS = 40;
const CONVERGE_MS = 120_000;

export interface Subscriber {
  id: string;
  secret: string;
  rx: ModelReceiver;
  /** receiver.requests already verified. */
  verified: number;
}

export class Scenario {
  readonly model = new Model();
  readonly subscribers: Subscriber[] = [];
  /** Requests per API, to show that both took traffic. */
  readonly published = [0, 0];
  /** Changes the APIs accepted with 202. */
  accepted = 0;
  private next = 0;

  constructor(readonly apis: HeraldNode[]) {}

  /** Two subscriptions to two receivers, one created through each API. */
  async subscribe(): Promise<void> {
    for (const [i, api] of this.apis.entries()) {
      const rx = await startModelReceiver('ok');
      const sub = await createSubscription(api.url!, {
        name: `cluster ${i + 1}`,
        url: rx.url,
        batching: { debounceMs: 200, maxWaitMs: 1000 },
        // Retry forever, fast: every outage in this test ends, and nothing may be dropped.
        retry: { initialIntervalMs: 500, backoffCoefficient: 1.5, maximumAttempts: 0, timeoutMs: 2000 },
      });
      this.subscribers.push({ id: sub.id as string, secret: sub.signingSecret as string, rx, verified: 0 });
    }
    // Each API routes by its own copy of the subscription list: wait until both see both.
    for (const api of this.apis)
      await until(
        `${api.url} routing to both subscriptions`,
        async () => {
          const changes = [this.model.change('training', 1)];
          const res = await call(api.url!, 'POST', '/v1/changes', { key: 'publish', body: { changes } });
          if (res.status !== 202) return false;
          this.model.accept(changes);
          this.accepted += changes.length;
          return res.body.subscriptions === this.subscribers.length;
        },
        30_000,
      );
  }

  setBehaviour(b: Behaviour): void {
    for (const s of this.subscribers) s.rx.setBehaviour(b);
  }

  releaseHeld(): void {
    for (const s of this.subscribers) s.rx.releaseHeld();
  }

  /**
   * `requests` requests of `perRequest` changes, alternating the APIs, from 4 publishers at once.
   * Each publisher has its own keys and waits for each answer: the order of two concurrent
   * requests touching one key would be undefined, and so would "the last change accepted".
   */
  async publish(requests: number, perRequest = 10): Promise<void> {
    const lanes = 4;
    const send = async (changes: Change[]) => {
      const i = this.next++ % this.apis.length;
      await publishUntilAccepted(() => this.apis[i]!.url!, changes);
      this.published[i]!++;
      this.model.accept(changes);
      this.accepted += changes.length;
    };
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let r = lane; r < requests; r += lanes) {
          const changes = Array.from({ length: perRequest }, () => {
            const id = lane + 1 + lanes * Math.floor((Math.random() * KEYS) / lanes);
            const action = Math.random() < 0.1 ? 'destroy' : 'update';
            return this.model.change(id % 2 ? 'training' : 'institute', id, action);
          });
          await send(changes);
        }
      }),
    );
  }

  /** Resolves once every receiver has more requests than now (deliveries are in flight). */
  async waitForNewRequests(timeoutMs = 30_000): Promise<void> {
    const seen = this.subscribers.map((s) => s.rx.receiver.requests.length);
    await until(
      'a new request at every receiver',
      async () => this.subscribers.every((s, i) => s.rx.receiver.requests.length > seen[i]!),
      timeoutMs,
    );
  }

  /** The webhook-id of each receiver's latest request (the one held open, in flight). */
  latestIds(): string[] {
    return this.subscribers.map((s) => String(s.rx.receiver.requests.at(-1)!.headers['webhook-id']));
  }

  /** Each id was acknowledged in the end: an interrupted delivery is re-sent with its webhook-id. */
  assertAcknowledged(ids: string[]): void {
    for (const [i, s] of this.subscribers.entries())
      if (!s.rx.acknowledged.some((r) => r.headers['webhook-id'] === ids[i]))
        throw new Error(`delivery ${ids[i]} held at the kill was never re-sent and acknowledged`);
  }

  /** Every receiver reaches the model's final state; throws with the differences otherwise. */
  async converge(what: string): Promise<void> {
    for (const s of this.subscribers) {
      const diff = await s.rx.converge(this.model, CONVERGE_MS);
      if (diff.length)
        throw new Error(
          `${what}: subscription ${s.id} lost ${diff.length} key(s): ${diff.slice(0, 5).join('; ')}`,
        );
    }
    this.verifySignatures();
  }

  /** Checks the signature of every request not checked yet (its timestamp must still be fresh). */
  verifySignatures(): void {
    for (const s of this.subscribers) {
      const hook = new Webhook(s.secret);
      const requests = s.rx.receiver.requests;
      for (; s.verified < requests.length; s.verified++) {
        const r = requests[s.verified]!;
        hook.verify(r.rawBody, r.headers as Record<string, string>);
      }
    }
  }

  counts() {
    const requests = this.subscribers.flatMap((s) => s.rx.receiver.requests);
    const ids = requests.map((r) => String(r.headers['webhook-id']));
    return {
      changes: this.accepted,
      keys: this.model.last.size,
      requests: requests.length,
      verified: this.subscribers.reduce((n, s) => n + s.verified, 0),
      resent: ids.length - new Set(ids).size,
    };
  }

  async close(): Promise<void> {
    for (const s of this.subscribers) await s.rx.close();
  }
}

/** The search attributes answer on PostgreSQL visibility, by id and by state. */
export async function checkSearchAttributes(client: Client, subscriptionIds: string[]): Promise<number> {
  const list = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids.sort();
  };
  let queries = 0;
  for (const id of subscriptionIds) {
    const query = `HeraldSubscriptionId = '${id}' AND ExecutionStatus = 'Running'`;
    await until(query, async () => (await list(query)).join() === `subscription:${id}`, 30_000);
    queries++;
  }
  const byState = `HeraldState = 'active' AND ExecutionStatus = 'Running'`;
  const want = subscriptionIds
    .map((id) => `subscription:${id}`)
    .sort()
    .join();
  await until(byState, async () => (await list(byState)).join() === want, 30_000);
  return queries + 1;
}
