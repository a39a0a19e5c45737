// Figures read off real workflow histories, for the bounds of the bounded-backlog issue: the
// longest workflow task, the largest payload written (decoded: before compression and
// encryption), events per run. Used by the backlog reliability test and the benchmark.
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryStats {
  runs: number;
  events: number;
  /** Longest workflow task, started → completed, in ms. */
  maxTaskMs: number;
  /** Largest single payload written, decoded (the JSON before compression), in bytes. */
  maxPayloadBytes: number;
  /** Where the largest payload was written (the event's attribute name). */
  maxPayloadAt: string;
  maxRunEvents: number;
  /** Where the longest task ran: its time, its queue (sticky or normal) and attempt. */
  maxTaskAt: string;
  /**
   * Longest task on a sticky queue: a worker that had the run cached. A task on the normal
   * queue replays the run from its start (a new worker, or a cache eviction).
   */
  maxStickyTaskMs: number;
  /** The worker identity of every task that ran past its start-to-close timeout. */
  timedOutBy: string[];
}

export const emptyStats = (): HistoryStats => ({
  runs: 0,
  events: 0,
  maxTaskMs: 0,
  maxPayloadBytes: 0,
  maxPayloadAt: '',
  maxRunEvents: 0,
  maxTaskAt: '',
  maxStickyTaskMs: 0,
  timedOutBy: [],
});

const ms = (t: HistoryEvent['eventTime']): number =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;

function payloadsIn(value: unknown, out: Payload[], depth = 0): void {
  if (!value || typeof value !== 'object' || depth > 12) return;
  if (value instanceof Uint8Array) return;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') {
    out.push(v as Payload);
    return;
  }
  for (const child of Object.values(v)) payloadsIn(child, out, depth + 1);
}

/** Adds one history to `stats`. */
export async function addHistory(stats: HistoryStats, events: HistoryEvent[], codec?: PayloadCodec) {
  stats.runs++;
  stats.events += events.length;
  stats.maxRunEvents = Math.max(stats.maxRunEvents, events.length);
  const started = new Map<number, { at: number; scheduled: string; sticky: boolean; identity: string }>();
  let scheduled = '';
  let sticky = false;
  for (const e of events) {
    const s = e.workflowTaskScheduledEventAttributes;
    if (s) {
      sticky = s.taskQueue?.kind === 2; // TASK_QUEUE_KIND_STICKY
      scheduled = `${sticky ? 'sticky' : 'normal'} queue, attempt ${s.attempt ?? 1}`;
    }
    const st = e.workflowTaskStartedEventAttributes;
    if (st)
      started.set(Number(e.eventId), { at: ms(e.eventTime), scheduled, sticky, identity: st.identity ?? '' });
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) {
      const task = started.get(Number(done.startedEventId));
      const taskMs = task ? ms(e.eventTime) - task.at : 0;
      if (task?.sticky) stats.maxStickyTaskMs = Math.max(stats.maxStickyTaskMs, taskMs);
      if (task && taskMs > stats.maxTaskMs) {
        stats.maxTaskMs = taskMs;
        stats.maxTaskAt = `${new Date(task.at).toISOString()}, event ${String(e.eventId)} of ${events.length}, ${task.scheduled}`;
      }
    }
    const timedOut = e.workflowTaskTimedOutEventAttributes;
    // TIMEOUT_TYPE_START_TO_CLOSE (1): a worker started the task and did not complete it in time.
    if (timedOut && timedOut.timeoutType === 1)
      stats.timedOutBy.push(started.get(Number(timedOut.startedEventId))?.identity ?? '?');
    const attr = Object.keys(e).find((k) => k.endsWith('Attributes') && (e as Record<string, unknown>)[k]);
    const found: Payload[] = [];
    payloadsIn(attr ? (e as Record<string, unknown>)[attr] : undefined, found);
    for (const p of found) {
      const decoded = codec ? (await codec.decode([p]))[0]! : p;
      const size = decoded.data?.length ?? 0;
      if (size > stats.maxPayloadBytes) {
        stats.maxPayloadBytes = size;
        stats.maxPayloadAt = attr ?? '?';
      }
    }
  }
}

/** Every run of the given workflow ids (continue-as-new chains included). */
export async function historyStats(
  client: Client,
  workflowIds: string[],
  codec?: PayloadCodec,
): Promise<HistoryStats> {
  const stats = emptyStats();
  for (const id of workflowIds) {
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${id}'` })) {
      const history = await client.workflow.getHandle(id, wf.runId).fetchHistory();
      await addHistory(stats, history.events ?? [], codec);
    }
  }
  return stats;
}

/**
 * The longest replay of a whole run of `workflowId`: its `top` longest runs are replayed with
 * the SDK's replayer against today's workflow code, each timed from the replay worker's start
 * to its end (so the figure includes that worker's start-up and is an upper bound). What a
 * worker pays after a crash or a cache eviction before it can run the next task of that run.
 */
export async function slowestReplay(
  client: Client,
  workflowId: string,
  replay: Parameters<typeof Worker.runReplayHistory>[0],
  top = 3,
): Promise<{ ms: number; events: number; runs: number; smallestMs: number }> {
  const runs: { events: number; history: temporal.api.history.v1.IHistory }[] = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, wf.runId).fetchHistory();
    runs.push({ events: history.events?.length ?? 0, history });
  }
  runs.sort((a, b) => b.events - a.events);
  const timed = async (history: temporal.api.history.v1.IHistory) => {
    const started = performance.now();
    await Worker.runReplayHistory(replay, history, workflowId);
    return Math.round(performance.now() - started);
  };
  let slowest = { ms: 0, events: 0, runs: runs.length };
  for (const run of runs.slice(0, top)) {
    const ms = await timed(run.history);
    if (ms > slowest.ms) slowest = { ms, events: run.events, runs: runs.length };
  }
  // The smallest run's replay is mostly the replay worker's own start-up: the floor of the figure.
  const smallest = runs[runs.length - 1];
  return { ...slowest, smallestMs: smallest ? await timed(smallest.history) : 0 };
}
