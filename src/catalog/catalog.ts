// The event catalogue (docs/contract.md §3): which events exist and which `data` paths of each are
// personal data or details. Loaded once at start; a bad file stops start-up with its name.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Change } from '../../core/types';
import { withOperationalEvents } from './operational';

const eventName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'must look like "<object>.<event>", lower case');
// Only identifier segments: a path like "__proto__" or "a..b" would be a bug in the file.
const dottedPath = z
  .string()
  .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'must be a dotted path of identifiers')
  .refine((p) => !p.split('.').some((s) => s === '__proto__' || s === 'constructor' || s === 'prototype'), {
    message: 'must not name __proto__, constructor or prototype',
  });

export const catalogEntrySchema = z.object({
  name: eventName,
  description: z.string().min(1),
  pii: z.array(dottedPath).default([]),
  details: z.array(dottedPath).default([]),
});

// A path below HERALD_API_BASE_URL with exactly one {id} (the character classes exclude braces,
// "?", "#" and spaces), so the derived url can never grow a query that carries a key.
const URL_TEMPLATE = /^\/[\w.~!$&'()*+,;=:@%/-]*\{id\}[\w.~!$&'()*+,;=:@%/-]*$/;

export const objectEntrySchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a lowercase identifier, as a change's object"),
  urlTemplate: z
    .string()
    .regex(URL_TEMPLATE, 'must be a path such as "/trainings/{id}", with {id} once and no query'),
});

export const catalogFileSchema = z
  .object({ events: z.array(catalogEntrySchema).min(1), objects: z.array(objectEntrySchema).default([]) })
  .superRefine((file, ctx) => {
    for (const [key, what] of [
      ['events', 'event'],
      ['objects', 'object'],
    ] as const) {
      const seen = new Set<string>();
      file[key].forEach((e, i) => {
        if (seen.has(e.name)) {
          ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `duplicate ${what} ${e.name}` });
        }
        seen.add(e.name);
      });
    }
  });

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
export type ObjectEntry = z.infer<typeof objectEntrySchema>;

export interface EventCatalog {
  has(name: string): boolean;
  get(name: string): CatalogEntry | undefined;
  /** In file order, as GET /v1/event-types lists them. */
  list(): CatalogEntry[];
  /** The objects that have a url template, in file order. */
  objects(): ObjectEntry[];
  /** The url template of a change's object, if the catalogue gives one. */
  urlTemplate(object: string): string | undefined;
}

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** The event a change belongs to: its own `event`, else `<object>.<action>` (docs/contract.md §2). */
export function eventOf(change: Pick<Change, 'object' | 'action' | 'event'>): string {
  return change.event ?? `${change.object}.${change.action}`;
}

export function createCatalog(entries: CatalogEntry[], objects: ObjectEntry[] = []): EventCatalog {
  const byName = new Map(entries.map((e) => [e.name, e] as const));
  const templates = new Map(objects.map((o) => [o.name, o.urlTemplate] as const));
  return {
    has: (name) => byName.has(name),
    get: (name) => byName.get(name),
    list: () => [...byName.values()],
    objects: () => [...templates].map(([name, urlTemplate]) => ({ name, urlTemplate })),
    urlTemplate: (object) => templates.get(object),
  };
}

/** Reads and validates a catalogue file; throws CatalogError naming the file and each problem. */
export function loadCatalog(path: string): EventCatalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CatalogError(
      `event catalogue ${path}: cannot read JSON: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const parsed = catalogFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CatalogError(`event catalogue ${path} is invalid:\n  ${problems.join('\n  ')}`);
  }
  return createCatalog(withOperationalEvents(parsed.data.events), parsed.data.objects);
}
