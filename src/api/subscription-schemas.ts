// Request schemas of the configuration routes (docs/contract.md §2 "Fields"). Built per app because
// two rules depend on the deployment: the event catalogue and the insecure-URL switch.
import { z } from 'zod';
import type { EventCatalog } from '../catalog/catalog';
import { text } from './text-schemas';
import { subscriptionUrlSchema } from './url-schemas';
import { subscriptionChannels, subscriptionTenant } from './routing-schemas';
import { BATCHING_DEFAULTS, DELIVERY_DEFAULTS, RETRY_DEFAULTS } from '../../core/defaults';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Bounds: wide enough for tests (fast retries) and for Springest's 13 doublings, narrow enough
// that a typo cannot create a delivery that never leaves or hammers a receiver.
const batchingFields = {
  debounceMs: z.number().int().min(0).max(HOUR).describe('Quiet time before a batch leaves (ms)'),
  maxWaitMs: z
    .number()
    .int()
    .min(0)
    .max(DAY)
    .describe(
      'Longest a change waits (ms); below debounceMs, every batch leaves maxWaitMs after its oldest change',
    ),
  maxBatchSize: z.number().int().min(1).max(1000).describe('Keys per delivery'),
};
const retryFields = {
  initialIntervalMs: z.number().int().min(100).max(DAY).describe('Delay after the first failed attempt (ms)'),
  backoffCoefficient: z.number().min(1).max(10).describe('Each delay is the previous one times this'),
  maximumAttempts: z.number().int().min(0).max(1000).describe('Attempts in all; 0 = retry forever'),
  timeoutMs: z.number().int().min(100).max(120_000).describe('HTTP timeout of one attempt (ms)'),
  maxRetryAfterMs: z
    .number()
    .int()
    .min(0)
    .max(DAY)
    .describe(
      "How much a partner's Retry-After (on 429/503) may add to the schedule's interval (ms); 0 ignores Retry-After",
    ),
};

const deliveryFields = {
  disableAfterMs: z
    .number()
    .int()
    .min(0)
    .max(365 * DAY)
    .describe(
      'Disable the subscription once every delivery has failed for this long (ms); 0 = never. A 410 Gone disables it at once',
    ),
  maxPerMinute: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .describe('At most this many POSTs a minute (changes keep merging meanwhile); absent = unlimited'),
};

// `whsec_` + standard base64 of 24–64 bytes (Standard Webhooks), as one regular expression so
// that the OpenAPI document states the rule exactly: n groups of 4 characters decode to 3n bytes,
// less one per "=". Unpadded: 8–21 groups (24–63 bytes); "=": 9–21 groups (26–62); "==": 9–22
// groups (25–64).
const B64 = '[A-Za-z0-9+/]';
const SIGNING_SECRET = new RegExp(
  `^whsec_(?:(?:${B64}{4}){7,20}${B64}{4}|(?:${B64}{4}){8,20}${B64}{3}=|(?:${B64}{4}){8,21}${B64}{2}==)$`,
);

export const isSigningSecret = (value: string): boolean => SIGNING_SECRET.test(value);

export function subscriptionSchemas(opts: { catalog: EventCatalog; allowInsecureUrls: boolean }) {
  const url = subscriptionUrlSchema(opts.allowInsecureUrls);

  const events = z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(500)
    .superRefine((list, ctx) => {
      if (list.includes('*') && list.length > 1) {
        ctx.addIssue({ code: 'custom', message: '"*" stands for every event and must be the only entry' });
      }
      list.forEach((name, i) => {
        if (name !== '*' && !opts.catalog.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `unknown event "${name}" (GET /v1/event-types lists them)`,
          });
        }
      });
    })
    .transform((list) => [...new Set(list)])
    // The document's form of the rule: catalogue names, or "*" alone.
    .meta({
      items: { type: 'string', enum: [...opts.catalog.list().map((e) => e.name), '*'] },
      anyOf: [{ maxItems: 1 }, { items: { not: { const: '*' } } }],
    })
    .describe('Event names from the catalogue, or ["*"] for all');

  const token = z
    .string()
    .min(8)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only: it is sent as a header value')
    .describe('Sent as <prefix>token; generated when absent');

  const signingSecret = z
    .string()
    .regex(SIGNING_SECRET, 'must be "whsec_" followed by standard base64 of 24–64 bytes')
    .describe('Standard Webhooks secret, whsec_<base64>; generated when absent');

  // Stored trimmed; the bounds apply to what was sent, as the document says.
  const name = text(1, 200, { notBlank: true }).transform((v) => v.trim());
  const description = text(0, 2000);

  const create = z.strictObject({
    name,
    url,
    description: description.optional(),
    events,
    tenant: subscriptionTenant.optional(),
    channels: subscriptionChannels.optional(),
    includePii: z.boolean().default(false),
    includeDetails: z.boolean().default(false),
    token: token.optional(),
    signingSecret: signingSecret.optional(),
    batching: z
      .strictObject({
        debounceMs: batchingFields.debounceMs.default(BATCHING_DEFAULTS.debounceMs),
        maxWaitMs: batchingFields.maxWaitMs.default(BATCHING_DEFAULTS.maxWaitMs),
        maxBatchSize: batchingFields.maxBatchSize.default(BATCHING_DEFAULTS.maxBatchSize),
      })
      .prefault({}),
    retry: z
      .strictObject({
        initialIntervalMs: retryFields.initialIntervalMs.default(RETRY_DEFAULTS.initialIntervalMs),
        backoffCoefficient: retryFields.backoffCoefficient.default(RETRY_DEFAULTS.backoffCoefficient),
        maximumAttempts: retryFields.maximumAttempts.default(RETRY_DEFAULTS.maximumAttempts),
        timeoutMs: retryFields.timeoutMs.default(RETRY_DEFAULTS.timeoutMs),
        maxRetryAfterMs: retryFields.maxRetryAfterMs.default(RETRY_DEFAULTS.maxRetryAfterMs),
      })
      .prefault({}),
    delivery: z
      .strictObject({
        disableAfterMs: deliveryFields.disableAfterMs.default(DELIVERY_DEFAULTS.disableAfterMs),
        maxPerMinute: deliveryFields.maxPerMinute.optional(),
      })
      .prefault({}),
  });

  const patch = z
    .strictObject({
      name: name.optional(),
      url: url.optional(),
      description: description.optional(),
      events: events.optional(),
      channels: subscriptionChannels.optional(),
      // Named only to refuse it with a message that says why, rather than "unrecognized key";
      // the document says no value is valid.
      tenant: z
        .unknown()
        .refine(() => false, 'tenant is set at creation and cannot be changed: create a new subscription')
        .optional()
        .meta({ not: {} })
        .describe('Not changeable: any value is refused with 400'),
      includePii: z.boolean().optional(),
      includeDetails: z.boolean().optional(),
      token: token.optional(),
      signingSecret: signingSecret.optional(),
      batching: z.strictObject(partial(batchingFields)).optional(),
      retry: z.strictObject(partial(retryFields)).optional(),
      delivery: z
        .strictObject({
          disableAfterMs: deliveryFields.disableAfterMs.optional(),
          maxPerMinute: deliveryFields.maxPerMinute
            .nullable()
            .optional()
            .describe('At most this many POSTs a minute; null = unlimited again'),
        })
        .optional(),
    })
    .refine((body) => Object.keys(body).length > 0, 'give at least one field to change')
    .meta({ minProperties: 1 });

  return { create, patch };
}

function partial<T extends Record<string, z.ZodType>>(fields: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}
