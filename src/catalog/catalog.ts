// The event catalogue (contract §3): which events exist and which `data` paths of each are
// personal data or details. Loaded once at start; a bad file stops start-up with its name.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Change } from '../../workflows/types';

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

export const catalogFileSchema = z
  .object({ events: z.array(catalogEntrySchema).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.events.forEach((e, i) => {
      if (seen.has(e.name)) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'name'], message: `duplicate event ${e.name}` });
      }
      seen.add(e.name);
    });
  });

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

export interface EventCatalog {
  has(name: string): boolean;
  get(name: string): CatalogEntry | undefined;
  /** In file order, as GET /v1/event-types lists them. */
  list(): CatalogEntry[];
}

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** The event a change belongs to: its own `event`, else `<object>.<action>` (contract §2). */
export function eventOf(change: Pick<Change, 'object' | 'action' | 'event'>): string {
  return change.event ?? `${change.object}.${change.action}`;
}

export function createCatalog(entries: CatalogEntry[]): EventCatalog {
  const byName = new Map(entries.map((e) => [e.name, e] as const));
  return {
    has: (name) => byName.has(name),
    get: (name) => byName.get(name),
    list: () => [...byName.values()],
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
  return createCatalog(parsed.data.events);
}
