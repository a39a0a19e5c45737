// Zod schemas shared by several routes: the error body, path parameters and the public
// subscription. Response schemas are z.object (not strict), so serialization strips every key
// they do not name: a token or secret can never leak through a response by accident.
import { z } from 'zod';

export const errorBody = z
  .object({
    error: z.string().describe('Stable snake_case code, e.g. validation_error, unauthorized, not_found'),
    message: z.string().describe('Human-readable explanation'),
    details: z
      .array(z.unknown())
      .optional()
      .describe('For validation errors: one entry per zod issue, with its path'),
  })
  .describe('Error');

type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 503;

/** Response entries for the error statuses a route can answer, for the OpenAPI document. */
export function errorResponses(...statuses: ErrorStatus[]): Record<ErrorStatus, typeof errorBody> {
  return Object.fromEntries(statuses.map((s) => [s, errorBody])) as Record<ErrorStatus, typeof errorBody>;
}

// Path parameters are checked for shape in the handlers (a malformed id is a 404, not a 400).
export const idParams = z.object({
  id: z.string().max(200).describe('Subscription id, sub_ + 20 characters'),
});
export const deliveryParams = idParams.extend({
  deliveryId: z.string().max(200).describe('Delivery id as in the webhook-id header, dlv_…'),
});

export const batchingOut = z.object({
  debounceMs: z.number(),
  maxWaitMs: z.number(),
  maxBatchSize: z.number(),
});
export const retryOut = z.object({
  initialIntervalMs: z.number(),
  backoffCoefficient: z.number(),
  maximumAttempts: z.number(),
  timeoutMs: z.number(),
});

export const publicSubscription = z.object({
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
  state: z
    .enum(['active', 'paused', 'deleted', 'broken'])
    .describe('broken: the workflow was closed by something other than DELETE (see the README runbook)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const createdSubscription = publicSubscription.extend({
  token: z.string().describe('Sent as <prefix>token on every delivery. Shown only in this answer.'),
  signingSecret: z.string().describe('whsec_… signing secret. Shown only in this answer.'),
});

export const rotatedSubscription = publicSubscription.extend({
  signingSecret: z
    .string()
    .describe('The new signing secret. Shown only in this answer; the old one signs for 24 h more.'),
});

export const attempt = z.object({
  attempt: z.number(),
  at: z.string(),
  statusCode: z.number().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
});

export const subscriptionDetail = publicSubscription.extend({
  pendingChanges: z.number().describe('Distinct keys waiting for the next batch'),
  queuedBatches: z.number().describe('Batches sealed out of a large backlog, waiting in order'),
  queuedChanges: z.number().describe('Changes in the queued batches'),
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
  counters: z.object({
    changesReceived: z.number(),
    signalsReceived: z.number(),
    deliveriesStarted: z.number(),
    deliveriesDelivered: z.number(),
    deliveriesFailed: z.number(),
    changesDelivered: z.number(),
    continuedAsNew: z.number(),
  }),
  lastDeliveredAt: z
    .string()
    .optional()
    .describe('When the last successful delivery finished (among the last 100 deliveries); absent if none'),
});

export const changeOut = z.object({
  action: z.enum(['import', 'update', 'destroy']),
  object: z.string(),
  id: z.union([z.number(), z.string()]),
  url: z.string().optional(),
  event: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  tenant: z.string().optional().describe('Only in deliveries of "*" subscriptions'),
});

export const deliveryOut = z.object({
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
});

export const publishResult = z.object({
  accepted: z.number().describe('Changes accepted (all of the request)'),
  subscriptions: z.number().describe('Subscriptions the changes were durably routed to'),
});
