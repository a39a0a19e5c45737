// W3C trace contexts carried with a subscription's pending changes, so the delivery of a batch
// can join the trace of the request that published its changes and link to the others. Plain
// strings (`traceparent` header values) and pure functions: the workflow replays them.

/** At most this many contexts per batch (and so span links per delivery): the rest are dropped. */
export const MAX_TRACE_LINKS = 32;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface ParsedTraceparent {
  traceId: string;
  spanId: string;
  /** 1 when sampled. */
  traceFlags: number;
}

/** A version-00 `traceparent`, or undefined for anything else (all-zero ids included). */
export function parseTraceparent(value: string): ParsedTraceparent | undefined {
  const m = TRACEPARENT.exec(value);
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) };
}

/**
 * `held` with the valid, new ones of `more` appended, within MAX_TRACE_LINKS (the oldest are
 * kept: the first one is the batch's parent). Returns `held` itself when nothing is added.
 */
export function addTraceparents(held: string[], more: readonly unknown[]): string[] {
  let out = held;
  for (const t of more) {
    if (out.length >= MAX_TRACE_LINKS) break;
    if (typeof t !== 'string' || out.includes(t) || !parseTraceparent(t)) continue;
    if (out === held) out = [...held];
    out.push(t);
  }
  return out;
}
