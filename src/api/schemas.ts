// Zod schemas shared by several routes: the error body and path parameters (the answers are in
// response-schemas.ts).
import { z } from 'zod';
/** Every error code, by the status it comes with (docs/api.md lists them too). */
export const ERROR_CODES = {
  400: ['validation_error', 'invalid_json', 'bad_request'],
  401: ['unauthorized'],
  404: ['not_found'],
  409: ['conflict', 'subscription_broken', 'tenant_mismatch'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  500: ['internal_error'],
  503: [
    'temporal_unavailable',
    'shutting_down',
    'subscription_broken',
    'subscription_busy',
    'inbox_unavailable',
    'temporal_not_set_up',
  ],
} as const;

type ErrorStatus = keyof typeof ERROR_CODES;

/** The error body; `codes` narrows `error` to what one status can carry. */
export function errorSchema(codes: readonly string[], description = 'Error') {
  return z
    .object({
      error: z
        .string()
        .meta({ enum: [...codes] })
        .describe('Stable snake_case code'),
      message: z.string().describe('Human-readable explanation'),
      details: z
        .array(z.unknown())
        .optional()
        .describe('For validation errors: one entry per zod issue, with its path'),
    })
    .describe(description);
}

export const errorBody = errorSchema(Object.values(ERROR_CODES).flat());

const describeStatus = (status: ErrorStatus, codes: readonly string[]) =>
  errorSchema(codes, `${status}: ${codes.join(', ')}`);

/**
 * Response entries for the error statuses a route can answer, for the OpenAPI document. 500
 * and 503 (Temporal unreachable, or the instance shutting down) can come from any route.
 */
export function errorResponses(
  ...statuses: ErrorStatus[]
): Record<ErrorStatus, ReturnType<typeof errorSchema>> {
  const all = [...new Set<ErrorStatus>([...statuses, 500, 503])];
  // Typed as every status, as the type provider needs to check reply.code(…) in handlers.
  return Object.fromEntries(all.map((s) => [s, describeStatus(s, ERROR_CODES[s])])) as Record<
    ErrorStatus,
    ReturnType<typeof errorSchema>
  >;
}

/**
 * Path parameters are checked for shape in the handlers, after authentication: a malformed or
 * over-long id is the same 404 as an unknown one (issue 16).
 */
export const idParams = z.object({
  id: z.string().meta({ pattern: '^sub_[A-Za-z0-9]{20}$' }).describe('Subscription id, sub_ + 20 characters'),
});
export const deliveryParams = idParams.extend({
  deliveryId: z.string().describe('Delivery id as in the webhook-id header, dlv_…'),
});
