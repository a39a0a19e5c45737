// Request schema of the change endpoints (contract §2 "Change"). The whole request is checked
// before anything is routed: one bad change rejects the request and nothing of it is accepted.
import { z } from 'zod';
import type { EventCatalog } from '../catalog/catalog';
import { eventOf } from '../catalog/catalog';
import { channelName, tenantName } from './routing-schemas';

export const MAX_CHANGES_PER_REQUEST = 1000;
/** One change, serialized; keeps every group-commit signal far below Temporal's 2 MB payload limit. */
export const MAX_CHANGE_BYTES = 256 * 1024;

export const changeIn = z
  .strictObject({
    action: z.enum(['import', 'update', 'destroy']),
    object: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z][a-z0-9_]*$/, 'must be a lowercase identifier such as "training"'),
    id: z
      .union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(128)])
      .describe('Positive integer or string of 1–128 characters'),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
      .max(2048)
      .optional()
      .describe(
        'Where the receiver fetches the object; defaults to HERALD_API_BASE_URL/<object>s/<id>. Dropped on destroy.',
      ),
    event: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Catalogue event name; defaults to <object>.<action>'),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Optional payload; catalogue-marked fields are filtered per subscription'),
    tenant: tenantName
      .optional()
      .describe(
        'Whose data this is: reaches only subscriptions of this tenant and "*" ones. Absent: only subscriptions without a tenant (and "*"). Not delivered, except to "*" subscriptions.',
      ),
    channels: z
      .array(channelName)
      .max(10)
      .optional()
      .describe(
        'Reaches subscriptions without channels, and those sharing at least one of these. Routing only: never delivered.',
      ),
  })
  .describe('Change');

export function changeSchemas(opts: { catalog: EventCatalog }) {
  const body = z
    .strictObject({ changes: z.array(changeIn).min(1).max(MAX_CHANGES_PER_REQUEST) })
    .superRefine((req, ctx) => {
      req.changes.forEach((change, i) => {
        const event = eventOf(change);
        if (!opts.catalog.has(event)) {
          ctx.addIssue({
            code: 'custom',
            path: ['changes', i, change.event === undefined ? 'action' : 'event'],
            message: `event "${event}" is not in the catalogue (GET /v1/event-types lists them)`,
          });
        }
        if (Buffer.byteLength(JSON.stringify(change)) > MAX_CHANGE_BYTES) {
          ctx.addIssue({
            code: 'custom',
            path: ['changes', i],
            message: `a change may take at most ${MAX_CHANGE_BYTES} bytes as JSON`,
          });
        }
      });
    });
  return { body };
}
