// Builders for subscription configs and changes, and a model of "final state per key".
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { changeKey } from '../../core/merge';
import { subscriptionWorkflowId } from '../../core/ids';
import type { SubscriptionWorkflowInput } from '../../workflows/subscription';
import type {
  BatchingConfig,
  Change,
  PublicSubscription,
  RetryConfig,
  SubscriptionConfig,
} from '../../core/types';

export const newSubscriptionId = () => `sub_${randomBytes(10).toString('hex')}`;

export function subscriptionConfig(
  url: string,
  opts: { batching?: Partial<BatchingConfig>; retry?: Partial<RetryConfig>; events?: string[] } = {},
): SubscriptionConfig {
  const now = new Date().toISOString();
  return {
    id: newSubscriptionId(),
    name: 'test partner',
    url,
    description: '',
    events: opts.events ?? ['*'],
    includePii: false,
    includeDetails: false,
    token: 'tok_test',
    secrets: [{ secret: `whsec_${randomBytes(32).toString('base64')}`, createdAt: now }],
    batching: { debounceMs: 300, maxWaitMs: 5_000, maxBatchSize: 500, ...opts.batching },
    retry: {
      initialIntervalMs: 100,
      backoffCoefficient: 2,
      maximumAttempts: 13,
      timeoutMs: 2_000,
      ...opts.retry,
    },
    createdAt: now,
    updatedAt: now,
  };
}

export async function startSubscription(
  client: Client,
  taskQueue: string,
  config: SubscriptionConfig,
  extra: Partial<SubscriptionWorkflowInput> = {},
) {
  return client.workflow.start('subscriptionWorkflow', {
    workflowId: subscriptionWorkflowId(config.id),
    taskQueue,
    args: [{ config, ...extra } satisfies SubscriptionWorkflowInput],
  });
}

export const update = (object: string, id: number | string, v: number): Change => ({
  action: 'update',
  object,
  id,
  data: { v },
});

/** The last change a receiver saw for each key, over all its POSTs in order. */
export function finalStateByKey(bodies: unknown[]): Map<string, Change> {
  const out = new Map<string, Change>();
  for (const body of bodies)
    for (const c of (body as { changes: Change[] }).changes) out.set(changeKey(c), c);
  return out;
}

export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A subscription as the API shows it (no secrets), with the contract's defaults. */
export const publicSubscription = (
  id: string,
  events: string[],
  extra: Partial<PublicSubscription> = {},
): PublicSubscription => ({
  id,
  name: id,
  url: 'https://example.com/hook',
  description: '',
  events,
  includePii: false,
  includeDetails: false,
  batching: { debounceMs: 2000, maxWaitMs: 10_000, maxBatchSize: 500 },
  retry: { initialIntervalMs: 60_000, backoffCoefficient: 2, maximumAttempts: 13, timeoutMs: 10_000 },
  state: 'active',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  ...extra,
});
