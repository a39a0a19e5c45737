// What the subscription form edits: its fields, their defaults from the API's OpenAPI document
// (or the subscription's current values), and the request body built from them.
import { api, createSchema } from './api.js';

export const GROUPS = {
  batching: {
    debounceMs: 'Debounce (ms)',
    maxWaitMs: 'Longest wait (ms)',
    maxBatchSize: 'Largest batch (changes)',
  },
  retry: {
    initialIntervalMs: 'First retry after (ms)',
    backoffCoefficient: 'Backoff coefficient',
    maximumAttempts: 'Attempts (0 = forever)',
    timeoutMs: 'Attempt timeout (ms)',
  },
  delivery: {
    disableAfterMs: 'Disable after failing for (ms, 0 = never)',
    maxPerMinute: 'Most POSTs a minute (empty = unlimited)',
  },
};
export const LEGENDS = { batching: 'Batching', retry: 'Retry', delivery: 'Failing partner and pacing' };
export const FIELDS = ['name', 'url', 'description', 'events', 'includePii', 'includeDetails'].concat(
  ...Object.entries(GROUPS).map(([g, f]) => Object.keys(f).map((k) => `${g}.${k}`)),
);

export const subPath = (id) => `/v1/subscriptions/${encodeURIComponent(id)}`;

export async function load(id) {
  const [schema, catalogue, current] = await Promise.all([
    createSchema(),
    api('GET', '/v1/event-types').then((r) => r.items),
    id ? api('GET', subPath(id)) : null,
  ]);
  // A subscription from before `delivery` has none: the defaults apply to it, so they are shown.
  const group = (g) =>
    Object.fromEntries(
      Object.keys(GROUPS[g]).map((k) => [
        k,
        String(current?.[g] ? (current[g][k] ?? '') : (schema.properties[g].properties[k].default ?? '')),
      ]),
    );
  const values = {
    name: current?.name ?? '',
    url: current?.url ?? '',
    description: current?.description ?? '',
    events: current?.events ?? [],
    includePii: current?.includePii ?? schema.properties.includePii.default ?? false,
    includeDetails: current?.includeDetails ?? schema.properties.includeDetails.default ?? false,
    batching: group('batching'),
    retry: group('retry'),
    delivery: group('delivery'),
  };
  return { schema, catalogue, values, current };
}

/** `editing`: a PATCH, where an emptied maxPerMinute must say so (null) to take the limit away. */
export function toBody(v, editing = false) {
  const numbers = (g) =>
    Object.fromEntries(
      Object.entries(v[g])
        .filter(([, s]) => s.trim() !== '')
        .map(([k, s]) => [k, Number(s)]),
    );
  return {
    name: v.name,
    url: v.url,
    description: v.description,
    events: v.events,
    includePii: v.includePii,
    includeDetails: v.includeDetails,
    batching: numbers('batching'),
    retry: numbers('retry'),
    delivery: {
      ...numbers('delivery'),
      ...(editing && v.delivery.maxPerMinute.trim() === '' ? { maxPerMinute: null } : {}),
    },
  };
}

export const SWITCHES = [
  {
    path: 'includePii',
    label: 'Include personal data',
    hint: 'Off: the personal-data paths listed with each event are removed before delivery.',
  },
  {
    path: 'includeDetails',
    label: 'Include details',
    hint: 'Off: the details paths listed with each event are removed.',
  },
];
