// Request schema of the change endpoints (docs/contract.md §2 "Change"). The whole request is checked
// before anything is routed: one bad change rejects the request and nothing of it is accepted.
// Built per app: the catalogue and the change-url policy are the deployment's.
import { z } from 'zod';
import type { EventCatalog } from '../catalog/catalog';
import { eventOf } from '../catalog/catalog';
import { isOperationalEvent } from '../../core/operational-events';
import type { ChangeUrlPolicy } from '../webhook/change-url-policy';
import { text } from './text-schemas';
import { changeUrlSchema } from './url-schemas';
import { channelName, tenantName } from './routing-schemas';

export const MAX_CHANGES_PER_REQUEST = 1000;
/** One change, serialized; keeps every group-commit signal far below Temporal's 2 MB payload limit. */
export const MAX_CHANGE_BYTES = 256 * 1024;

const ACTIONS = ['import', 'update', 'destroy'] as const;

// The JSON parser refuses (invalid_json) any object with a "__proto__" key, or a "constructor"
// key holding an object with "prototype" (prototype poisoning). `data` is free-form JSON, so the
// document states that rule recursively; openapi.ts puts these under components.schemas.
const JSON_VALUE_REF = '#/components/schemas/JsonValue';
const safeObject = {
  type: 'object',
  propertyNames: { not: { const: '__proto__' } },
  additionalProperties: { $ref: JSON_VALUE_REF },
  not: {
    required: ['constructor'],
    properties: { constructor: { type: 'object', required: ['prototype'] } },
  },
} as const;
export const JSON_SCHEMAS = {
  JsonValue: {
    description: 'Any JSON value without prototype-poisoning keys',
    anyOf: [
      { type: ['null', 'boolean', 'number', 'string'] },
      { type: 'array', items: { $ref: JSON_VALUE_REF } },
      safeObject,
    ],
  },
} as const;

/** "." and ".." cannot be a URL path segment: URL parsers read them as "here" and "up". */
const NOT_DOT_SEGMENT = /^(?!\.\.?$)/;

/** A change's object and id: its merge key (with the tenant), also what an erasure names. */
export const objectName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be a lowercase identifier such as "training"');
export const objectId = z
  .union([
    z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    text(1, 128, { pattern: [NOT_DOT_SEGMENT, 'must not be "." or ".."'] }),
  ])
  .describe('Positive integer or string of 1–128 characters (not "." or "..")');

/**
 * The document's form of "the event must be in the catalogue": a change names a catalogue
 * `event`, or its object and action are one of the catalogue's `<object>.<action>` events.
 */
function catalogueRule(catalog: EventCatalog) {
  const actionsOf = new Map<string, string[]>();
  for (const { name } of catalog.list()) {
    const [object, action] = name.split('.') as [string, string];
    if (!(ACTIONS as readonly string[]).includes(action)) continue;
    actionsOf.set(object, [...(actionsOf.get(object) ?? []), action]);
  }
  return {
    anyOf: [
      { required: ['event'] },
      ...[...actionsOf].map(([object, actions]) => ({
        properties: { object: { const: object }, action: { enum: actions } },
      })),
    ],
  };
}

export function changeSchemas(opts: { catalog: EventCatalog; changeUrls: ChangeUrlPolicy }) {
  const { catalog } = opts;
  // Herald's operational events are its own to send: a publisher cannot forge one.
  const publishable = catalog.list().filter((e) => !isOperationalEvent(e.name));
  const change = z
    .strictObject({
      action: z.enum(ACTIONS),
      object: objectName,
      id: objectId,
      url: changeUrlSchema(opts.changeUrls).optional(),
      // Checked against the catalogue below, with the default event, so the message is one.
      event: z
        .string()
        .meta({ enum: publishable.map((e) => e.name) })
        .optional()
        .describe('Catalogue event name; defaults to <object>.<action>'),
      data: z
        .record(z.string(), z.unknown())
        .meta(safeObject)
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
    .meta(catalogueRule(catalog))
    .describe('Change');

  const body = z
    .strictObject({ changes: z.array(change).min(1).max(MAX_CHANGES_PER_REQUEST) })
    .superRefine((req, ctx) => {
      req.changes.forEach((change, i) => {
        const event = eventOf(change);
        if (isOperationalEvent(event)) {
          ctx.addIssue({
            code: 'custom',
            path: ['changes', i, 'event'],
            message: `event "${event}" is an operational event: only Herald sends it`,
          });
        } else if (!catalog.has(event)) {
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
