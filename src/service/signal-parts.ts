// What the group committer queues: a submission cut into parts that each fit in one signal,
// and the waiter that settles once all of them are acknowledged (or the first one fails); what a
// signal of parts carries of their waiters (trace contexts), and which failure fails the whole lane.
import { measure } from '../temporal/gateway';
import { isNotFound } from '../temporal/gateway-errors';
import type { Change } from '../../core/types';
import { addTraceparents } from '../../core/trace-links';

/** A change's serialized bytes, as its signal will carry them. */
export const sizeOf = (change: Change): number => measure(change).bytes;

// Arrays handed to the committer are never changed afterwards (the router builds them per
// request), and one array is often shared by many subscriptions: it is counted once.
const bytesByArray = new WeakMap<Change[], number>();

/** Serialized bytes of an array of changes (cached per array). */
export function arrayBytes(changes: Change[]): number {
  let bytes = bytesByArray.get(changes);
  if (bytes === undefined) {
    bytes = 0;
    for (const change of changes) bytes += sizeOf(change);
    bytesByArray.set(changes, bytes);
  }
  return bytes;
}

export interface Waiter {
  remaining: number;
  settled: boolean;
  /** The submitter's trace context (tracing on only). */
  trace?: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A slice of one submission small enough to fit in a signal. */
export interface Part {
  changes: Change[];
  bytes: number;
  waiter: Waiter;
}

/** What one signal may carry: Temporal refuses payloads over 2 MB. */
export interface Caps {
  maxChanges: number;
  maxBytes: number;
}

/** Cuts a submission into parts that each respect both caps. */
export function splitIntoParts(
  changes: Change[],
  waiter: Waiter,
  caps: Caps,
  sizeOf: (c: Change) => number,
): Part[] {
  const parts: Part[] = [];
  let current: Change[] = [];
  let bytes = 0;
  for (const change of changes) {
    const size = sizeOf(change);
    if (current.length > 0 && (current.length >= caps.maxChanges || bytes + size > caps.maxBytes)) {
      parts.push({ changes: current, bytes, waiter });
      current = [];
      bytes = 0;
    }
    current.push(change);
    bytes += size;
  }
  parts.push({ changes: current, bytes, waiter });
  return parts;
}

/** Takes the oldest parts of a queue that fit in one signal together (at least one). */
export function takeBatch(queue: Part[], caps: Caps): { batch: Part[]; bytes: number } {
  const batch: Part[] = [];
  let count = 0;
  let bytes = 0;
  while (queue.length > 0) {
    const next = queue[0]!;
    if (
      batch.length > 0 &&
      (count + next.changes.length > caps.maxChanges || bytes + next.bytes > caps.maxBytes)
    )
      break;
    batch.push(queue.shift()!);
    count += next.changes.length;
    bytes += next.bytes;
  }
  return { batch, bytes };
}

/** One part of the waiter's submission is acknowledged; the last one resolves it. */
export function partDone(w: Waiter): void {
  if (!w.settled && --w.remaining === 0) {
    w.settled = true;
    w.resolve();
  }
}

export function fail(w: Waiter, error: unknown): void {
  if (w.settled) return;
  w.settled = true;
  w.reject(error);
}

/** The distinct trace contexts of a signal's submissions, within MAX_TRACE_LINKS. */
export function tracesOf(batch: Part[]): string[] {
  return addTraceparents(
    [],
    batch.map((p) => p.waiter.trace),
  );
}

/** Errors that a retry of the same signal cannot fix (the workflow is closed or unknown). */
export function isPermanent(error: unknown): boolean {
  return isNotFound(error);
}
