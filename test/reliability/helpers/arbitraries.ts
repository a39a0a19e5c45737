// fast-check arbitraries for the bad-input fuzz: valid bodies, their random mutations, and
// requests with random bodies, content types and keys.
import fc from 'fast-check';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const DELETE = Symbol('delete');

/** Every path into a JSON value, the root's children included. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...prefix, k], ...paths((v as Json)[k], [...prefix, k])]);
}

/** A valid body with one value replaced by random JSON, deleted, or given an unknown sibling. */
export function mutated(valid: fc.Arbitrary<Json>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.nat(), fc.oneof(fc.constant(DELETE), fc.jsonValue(), fc.string()), fc.boolean())
    .map(([body, pick, value, sibling]) => {
      const all = paths(body);
      const path = all[pick % all.length]!;
      const copy = structuredClone(body);
      let parent: Json = copy; // arrays too: indexed by number
      for (const k of path.slice(0, -1)) parent = parent[k];
      const last = path[path.length - 1]!;
      if (sibling && !Array.isArray(parent)) parent[`x${String(last)}`] = value === DELETE ? 1 : value;
      else if (value === DELETE) {
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
      } else (parent as Record<string | number, unknown>)[last] = value;
      return copy;
    });
}

const change = fc.record(
  {
    action: fc.constantFrom('import', 'update', 'destroy'),
    object: fc.constantFrom('training', 'institute'),
    id: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.string({ minLength: 1, maxLength: 10 })),
    url: fc.constant('https://api.example.com/x/1'),
    data: fc.record({ v: fc.nat() }),
  },
  { requiredKeys: ['action', 'object', 'id'] },
);
export const changesBody = fc.record({ changes: fc.array(change, { minLength: 1, maxLength: 4 }) });
export const subscriptionBody = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 30 }),
    url: fc.constant('http://127.0.0.1:9/hook'),
    events: fc.constantFrom(['*'], ['training.update'], ['institute.destroy', 'training.import']),
    includePii: fc.boolean(),
    batching: fc.record({ debounceMs: fc.integer({ min: 0, max: 5000 }), maxWaitMs: fc.constant(10_000) }),
    retry: fc.record({
      initialIntervalMs: fc.integer({ min: 100, max: 60_000 }),
      maximumAttempts: fc.nat(20),
    }),
  },
  { requiredKeys: ['name', 'url', 'events'] },
);

/** A request: body as valid, mutated, random JSON or not JSON at all; random type and key. */
export const request = (valid: fc.Arbitrary<Json>) =>
  fc.record({
    payload: fc.oneof(
      { arbitrary: mutated(valid).map((b) => JSON.stringify(b)), weight: 6 },
      { arbitrary: fc.jsonValue().map((b) => JSON.stringify(b)), weight: 2 },
      { arbitrary: valid.map((b) => JSON.stringify(b)), weight: 1 },
      { arbitrary: fc.string(), weight: 1 },
    ),
    contentType: fc.oneof(
      { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 8 },
      { arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined), weight: 1 },
      { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
    ),
    auth: fc.oneof(
      { arbitrary: fc.constant('right' as const), weight: 8 },
      { arbitrary: fc.constantFrom('other' as const, 'none' as const, 'garbage' as const), weight: 2 },
    ),
  });
