// The bounds of one subscription workflow run, and the patches that introduced them: what a
// run may carry, take in and start before it continues as new.
export const DEFAULT_HISTORY_LIMIT = 4096;
/** Children a run may start before it continues as new: Temporal allows 2,000 pending per run. */
export const CHILDREN_PER_RUN = 500;
/** History bytes after which a run continues as new: a replay of a run stays short. */
export const HISTORY_BYTES_LIMIT = 4 * 1024 * 1024;
/**
 * Change JSON one run takes in (changes signals, as measured by the API, and the batches that
 * finished deliveries report back) after which it continues as new. History bytes alone do not
 * bound a replay: payloads are compressed, and compressible changes (1,000,000 of them in the
 * bench) made 4,096-event runs of tens of MB decoded that took 3.5–4 s to replay. Decoding,
 * merging and sealing is what a replay costs, so that is what is bounded.
 */
export const RECEIVED_CHARS_PER_RUN = 4 * 1024 * 1024;
/** Runs from this patch on continue as new after a bound on what they took in (8 MiB at first). */
export const RUN_BYTES_PATCH = 'herald-run-received-bytes';
/**
 * Runs from this patch on continue as new after RECEIVED_CHARS_PER_RUN (4 MiB) instead of
 * 8 MiB: the first task after a worker crash replays the run, and on loaded cores that took up
 * to 4.4 s of the 5 s task timeout with 8 MiB runs. Runs recorded before it keep 8 MiB.
 */
export const SHORTER_RUNS_PATCH = 'herald-run-received-4mib';
export const RECEIVED_CHARS_PER_RUN_BEFORE = 8 * 1024 * 1024;
/** Change bytes sealed in one workflow task: bounds the task's payloads and its duration. */
export const SEAL_BYTES_PER_TASK = 3 * 1024 * 1024;
/** The pending query answers the oldest changes only: a query result must stay far under 2 MB. */
export const PENDING_QUERY_LIMIT = 2_000;
/** Fast path and bounded backlog; runs recorded before them replay the old way. */
export const FAST_PATH_PATCH = 'herald-fast-path-sealed-backlog';
/**
 * Runs from this patch on disable themselves (410 Gone, or failing for delivery.disableAfterMs)
 * and emit operational events; runs recorded before it replay without either.
 */
export const LIFECYCLE_PATCH = 'herald-disable-operational-events';
