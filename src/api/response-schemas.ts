// The answers of the subscription, delivery and change routes. Response schemas are z.object
// (not strict), so serialization strips every key they do not name: a token or secret can never
// leak through a response by accident.
import { z } from 'zod';
import type { DeliveryView } from '../service/deliveries';
import type { PublishResult } from '../service/changes';
import type { CreatedSubscription, SubscriptionDetail } from '../service/subscription-types';
import type {
  BatchingConfig,
  Change,
  DeliveryConfig,
  PublicSubscription,
  RetryConfig,
  SubscriptionCounters,
} from '../../core/types';
import type { AttemptRecord } from '../../core/delivery-types';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * A response schema tied to the type it answers (core/ or the service's): it fails to compile
 * unless the schema's output is exactly T, so neither can gain, lose or change a field alone.
 */
const answers =
  <T>() =>
  <S extends z.ZodType>(schema: S & (Same<z.infer<S>, T> extends true ? unknown : never)): S =>
    schema;

export const batchingOut = answers<BatchingConfig>()(
  z.object({
    debounceMs: z.number(),
    maxWaitMs: z.number(),
    maxBatchSize: z.number(),
  }),
);
export const retryOut = answers<RetryConfig>()(
  z.object({
    initialIntervalMs: z.number(),
    backoffCoefficient: z.number(),
    maximumAttempts: z.number(),
    timeoutMs: z.number(),
    maxRetryAfterMs: z.number().optional(),
  }),
);

export const deliverySettingsOut = answers<DeliveryConfig>()(
  z.object({
    disableAfterMs: z.number().describe('Disabled after every delivery has failed this long (ms); 0 = never'),
    maxPerMinute: z.number().optional().describe('At most this many POSTs a minute; absent = unlimited'),
  }),
);

export const publicSubscription = answers<PublicSubscription>()(
  z.object({
    id: z.string(),
    name: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    tenant: z.string().optional().describe('"T", "*" (every tenant) or absent (changes without a tenant)'),
    channels: z.array(z.string()).optional(),
    includePii: z.boolean(),
    includeDetails: z.boolean(),
    batching: batchingOut,
    retry: retryOut,
    delivery: deliverySettingsOut.optional(),
    state: z
      .enum(['active', 'paused', 'disabled', 'deleted', 'broken'])
      .describe(
        'disabled: Herald stopped sending (410 Gone, or failing for delivery.disableAfterMs); resume sends again. broken: the workflow was closed by something other than DELETE',
      ),
    disabledReason: z
      .enum(['gone', 'failing'])
      .optional()
      .describe('While disabled: the partner answered 410 Gone, or every delivery failed for disableAfterMs'),
    disabledAt: z.string().optional().describe('While disabled: when'),
    lastStatusCode: z
      .number()
      .optional()
      .describe("While disabled: the last attempt's HTTP status (absent: it had no answer)"),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
);

export const createdSubscription = answers<CreatedSubscription>()(
  publicSubscription.extend({
    token: z.string().describe('Sent as <prefix>token on every delivery. Shown only in this answer.'),
    signingSecret: z.string().describe('whsec_… signing secret. Shown only in this answer.'),
  }),
);

export const rotatedSubscription = answers<PublicSubscription & { signingSecret: string }>()(
  publicSubscription.extend({
    signingSecret: z
      .string()
      .describe('The new signing secret. Shown only in this answer; the old one signs for 24 h more.'),
  }),
);

export const attempt = answers<AttemptRecord>()(
  z.object({
    attempt: z.number(),
    at: z.string(),
    statusCode: z.number().optional(),
    error: z.string().optional(),
    durationMs: z.number(),
    retryAfterMs: z
      .number()
      .optional()
      .describe(
        "The wait before the next attempt when the partner's Retry-After moved it past the schedule's",
      ),
  }),
);

/** The detail as answered: an in-flight delivery without the workflow's own bookkeeping. */
type AnsweredDetail = Omit<SubscriptionDetail, 'inFlight'> & {
  inFlight: Omit<NonNullable<SubscriptionDetail['inFlight']>, 'runner' | 'attempts'> | null;
};

export const subscriptionDetail = answers<AnsweredDetail>()(
  publicSubscription.extend({
    pendingChanges: z.number().describe('Distinct keys waiting for the next batch'),
    queuedBatches: z.number().describe('Batches sealed out of a large backlog, waiting in order'),
    queuedChanges: z.number().describe('Changes in the queued batches'),
    nextPostAt: z
      .string()
      .optional()
      .describe('delivery.maxPerMinute: when the next batch may leave, while one waits for its turn'),
    inFlight: z
      .object({
        deliveryId: z.string(),
        sequence: z.number(),
        changeCount: z.number(),
        startedAt: z.string(),
        attempt: z.number().describe('Attempts made so far (0 while the first one runs)'),
        nextAttemptAt: z.string().optional().describe('When the next attempt is due, after a failed one'),
        attemptsLeft: z.number().nullable().optional().describe('null = retries forever'),
        lastAttempt: attempt.optional(),
      })
      .nullable(),
    counters: answers<SubscriptionCounters>()(
      z.object({
        changesReceived: z.number(),
        signalsReceived: z.number(),
        deliveriesStarted: z.number(),
        deliveriesDelivered: z.number(),
        deliveriesFailed: z.number(),
        changesDelivered: z.number(),
        continuedAsNew: z.number(),
      }),
    ),
    lastDeliveredAt: z
      .string()
      .optional()
      .describe('When the last successful delivery finished (among the last 100 deliveries); absent if none'),
    statusAsOf: z
      .string()
      .describe(
        'When the live status (pendingChanges to lastDeliveredAt) was read. Normally now; when the ' +
          'workflow cannot answer in time (its worker restarting), the last status read, up to 5 min old, rather than a 503',
      ),
  }),
);

export const changeOut = answers<Change>()(
  z.object({
    action: z.enum(['import', 'update', 'destroy']),
    object: z.string(),
    id: z.union([z.number(), z.string()]),
    url: z.string().optional(),
    event: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    tenant: z.string().optional().describe('Only in deliveries of "*" subscriptions'),
  }),
);

export const deliveryOut = answers<DeliveryView>()(
  z.object({
    id: z.string(),
    sequence: z.number(),
    status: z.enum(['delivered', 'failed', 'in_flight']),
    changeCount: z.number(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    nextAttemptAt: z.string().optional(),
    changesAvailable: z.boolean().describe('false once the delivery workflow is gone (retention)'),
    changes: z.array(changeOut),
    attempts: z.array(attempt),
  }),
);

export const publishResult = answers<PublishResult>()(
  z.object({
    accepted: z.number().describe('Changes accepted (all of the request)'),
    subscriptions: z.number().describe('Subscriptions the changes were durably routed to'),
  }),
);
