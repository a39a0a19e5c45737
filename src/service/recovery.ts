// Recover in one call: every failed delivery of a time range back into the pending batch,
// oldest delivery first, so the merge rules give each key its newest change and a change that
// is pending now wins over a failed older one.
import type { Change } from '../../core/types';
import type { DeliverySummary } from '../../core/delivery-types';
import { changeBytes } from '../../core/merge';

/** One recover update's changes stay well under Temporal's 2 MB payload limit. */
export const RECOVER_CHUNK_BYTES = 1_000_000;

export interface RecoverRange {
  since: string;
  until?: string;
}

export interface RecoverResult {
  /** Failed deliveries in the range whose changes were put back. */
  deliveries: number;
  /** Their changes, before merging by key. */
  changes: number;
  /** Failed deliveries in the range whose changes were gone (the namespace's retention). */
  unavailable: number;
  pendingChanges: number;
}

/** The failed deliveries that started in [since, until), oldest first. */
export function failedInRange(
  summaries: DeliverySummary[],
  range: RecoverRange,
  nowIso: string,
): DeliverySummary[] {
  const from = Date.parse(range.since);
  const to = Date.parse(range.until ?? nowIso);
  return summaries
    .filter((s) => s.status === 'failed')
    .filter((s) => {
      const at = Date.parse(s.startedAt);
      return at >= from && at < to;
    })
    .sort((a, b) => a.sequence - b.sequence);
}

/**
 * Splits changes (oldest first) into chunks of at most `maxBytes` of JSON, returned newest chunk
 * first: each is put back older than what is pending, so the oldest must go in last.
 */
export function recoverChunks(changes: Change[], maxBytes = RECOVER_CHUNK_BYTES): Change[][] {
  const chunks: Change[][] = [];
  let current: Change[] = [];
  let bytes = 0;
  for (const change of changes) {
    const size = changeBytes(change);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(change);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks.reverse();
}
