// Strips personal data and details from a change before it enters a subscription's workflow,
// so what a partner may not see is never stored for that partner (docs/contract.md §3, issue 4).
import type { Change } from '../../core/types';
import type { CatalogEntry } from './catalog';

export interface FilterFlags {
  includePii: boolean;
  includeDetails: boolean;
}

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deletes one dotted path from `node` (a private copy). An array met on the way applies the
 * rest of the path to each of its elements, so `trainers.email` reaches every trainer. A path
 * that does not exist is no error: publishers send partial data.
 */
function removePath(node: Json, segments: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) removePath(item, segments);
    return;
  }
  if (!isPlainObject(node)) return;
  const [head, ...rest] = segments;
  if (head === undefined || !Object.hasOwn(node, head)) return;
  if (rest.length === 0) delete node[head];
  else removePath(node[head], rest);
}

/** The paths this subscription must not receive. */
export function hiddenPaths(entry: CatalogEntry | undefined, flags: FilterFlags): string[] {
  if (!entry) return [];
  return [...(flags.includePii ? [] : entry.pii), ...(flags.includeDetails ? [] : entry.details)];
}

/**
 * Returns the change as this subscription may see it; the input is never mutated. Only the
 * marked fields are removed: the objects that held them stay, even when emptied, and `data`
 * stays (possibly `{}`), so a receiver always sees the same shape for an event.
 *
 * An `entry` of undefined (event not in the catalogue) removes nothing: the API refuses such
 * changes before they get here.
 */
export function filterChange(change: Change, entry: CatalogEntry | undefined, flags: FilterFlags): Change {
  const paths = hiddenPaths(entry, flags);
  if (change.data === undefined || paths.length === 0) return { ...change };
  // structuredClone: data arrives as parsed JSON, so a deep copy is exact and cheap enough.
  const data = structuredClone(change.data);
  for (const path of paths) removePath(data, path.split('.'));
  return { ...change, data };
}
