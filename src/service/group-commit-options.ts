// The group committer's knobs and their defaults, resolved once.
import type { Change } from '../../core/types';
import type { Caps } from './signal-parts';

/** Sends one changes signal; resolves once Temporal has recorded it. */
export type SendChanges = (
  subscriptionId: string,
  changes: Change[],
  traceparents?: string[],
) => Promise<void>;

export interface GroupCommitOptions {
  /** Changes per signal; the workflow merges them anyway, this bounds one payload. */
  maxChanges?: number;
  /** Serialized JSON bytes per signal: Temporal refuses payloads over 2 MB. */
  maxBytes?: number;
  /** Least time between the starts of two rounds, so of two signals to one subscription (ms). */
  minIntervalMs?: number;
  /**
   * The same after a round that carried a single request (a quiet publisher: no gather, and
   * no longer than minIntervalMs); it still bounds the signals a second one subscription gets.
   */
  quietIntervalMs?: number;
  /** Longest a round waits for its signals before the next one starts without the slow ones. */
  maxRoundWaitMs?: number;
  /** Least time between the end of a round and the start of the next (ms). */
  gatherMs?: number;
  /** Bytes a second one subscription is signalled at most, from this process. */
  maxBytesPerSecond?: number;
  /** Longest wait in a lane before further changes for it are refused (ms). */
  maxQueueMs?: number;
  /**
   * With tracing on: the caller's trace context (`traceparent`), taken at submit; each signal
   * then carries those of the submissions it holds (at most MAX_TRACE_LINKS). Absent: none taken.
   */
  traceOf?: () => string | undefined;
  /** Called after each signal with how many submissions and changes it carried. */
  onSignal?: (info: {
    subscriptionId: string;
    submissions: number;
    changes: number;
    ok: boolean;
    error?: unknown;
  }) => void;
}

export const DEFAULT_MAX_CHANGES = 1000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MIN_INTERVAL_MS = 50;
export const DEFAULT_QUIET_INTERVAL_MS = 10;
export const DEFAULT_MAX_BYTES_PER_SECOND = 1024 * 1024;
export const DEFAULT_MAX_QUEUE_MS = 5_000;
export const DEFAULT_MAX_ROUND_WAIT_MS = 1_000;
export const DEFAULT_GATHER_MS = 20;

/** The options with every default filled in. */
export interface GroupCommitSettings extends Caps {
  minIntervalMs: number;
  quietIntervalMs: number;
  bytesPerMs: number;
  maxQueueMs: number;
  maxRoundWaitMs: number;
  gatherMs: number;
}

export function groupCommitSettings(opts: GroupCommitOptions): GroupCommitSettings {
  return {
    maxChanges: opts.maxChanges ?? DEFAULT_MAX_CHANGES,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    minIntervalMs: opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS,
    quietIntervalMs: Math.min(
      opts.quietIntervalMs ?? DEFAULT_QUIET_INTERVAL_MS,
      opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS,
    ),
    bytesPerMs: (opts.maxBytesPerSecond ?? DEFAULT_MAX_BYTES_PER_SECOND) / 1000,
    maxQueueMs: opts.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS,
    maxRoundWaitMs: opts.maxRoundWaitMs ?? DEFAULT_MAX_ROUND_WAIT_MS,
    gatherMs: opts.gatherMs ?? DEFAULT_GATHER_MS,
  };
}
