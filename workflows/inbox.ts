// One long-lived inbox workflow per shard (`inbox:<n>`, issue 27). The API's group commit sends
// it one `ingest` signal per round, and answers 202 once that signal is durable; the inbox hands
// each subscription its changes with one signal per subscription per workflow task, carrying
// everything that arrived for it meanwhile, so hand-offs grow with load. One hand-off per
// subscription is in flight at a time, so a subscription gets one key's changes in order; each
// change carries its round, so a repeated hand-off is applied once.
//
// A hand-off that finds no running subscription workflow is never dropped on a guess: an
// activity asks what became of it. Deleted: its changes are dropped (as a direct signal to it
// would be). Broken: the activity heals it (as a request to it would); until it runs again its
// changes stay here and are tried again with a growing pause.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HandoffInput } from '../core/inbox';
import { InboxQueues, type InboxCarried } from '../core/inbox-queues';
import { subscriptionWorkflowId } from '../core/ids';
import { handoffSignal, inboxStatusQuery, ingestSignal } from './inbox-messages';

export interface InboxWorkflowInput {
  shard: number;
  carried?: InboxCarried;
  /** Continue-as-new once the history is this long (tests set it low). */
  historyLimit?: number;
  /**
   * The pause a hand-off earns before the next wave (ms; HERALD_INBOX_HANDOFF_MS when the API
   * started the inbox): a wave of k hand-offs is followed by the next one k × this later. A wave
   * hands every subscription with changes waiting and none in flight what waits for it. Each
   * hand-off costs the engine about the same whatever it carries, so this bounds the hand-offs
   * a second, not the changes: one subscription gets its changes at once, many get larger
   * hand-offs less often as the load grows.
   */
  handoffIntervalMs?: number;
}

/** Continue as new past this many events, or this many history bytes, or this much change JSON taken in. */
const HISTORY_LIMIT = 4096;
const HISTORY_BYTES_LIMIT = 4 * 1024 * 1024;
const RECEIVED_CHARS_PER_RUN = 4 * 1024 * 1024;
/** A new run's input carries what is still queued: continue as new only once it is under this. */
const CARRY_CHARS_LIMIT = 1024 * 1024;
/**
 * How long a run that is due to continue as new waits for the next ingest signal, so that it
 * continues in that signal's own workflow task. A signal that arrives while the continue-as-new
 * task is in flight fails it (the run is replayed, and the API's signal held, for seconds);
 * right after a signal, the next one is a whole gap away. With no traffic, nothing can collide.
 */
const CONTINUE_AFTER_SIGNAL_MS = 100;
/** The longest pause between two waves, however many subscriptions the last one served. */
const MAX_WAVE_PAUSE_MS = 250;
/** Pause before a closed subscription is tried again: doubles from 1 s to 1 min. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;

const { inboxTargetStatus } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

export async function inboxWorkflow(input: InboxWorkflowInput): Promise<void> {
  const { shard } = input;
  const queues = new InboxQueues(input.carried);
  const historyLimit = input.historyLimit ?? HISTORY_LIMIT;
  const inFlight = new Set<string>();
  const heldUntil = new Map<string, number>();
  const failures = new Map<string, number>();
  let receivedChars = 0;
  let dropped = 0;
  let wake = false;
  let ingested = false;
  const perHandoff = input.handoffIntervalMs ?? 0;
  // Runs started before the pause was per hand-off keep the fixed one they were started with.
  const perWave = !patched('inbox-pause-per-handoff');
  // Runs started before it continued as new at once, whatever had just arrived.
  const afterSignal = patched('inbox-continue-after-signal');
  let lastWave = Number.NEGATIVE_INFINITY;
  let lastWaveSize = 0;

  setHandler(ingestSignal, (batch) => {
    queues.add(batch);
    for (const s of batch.sizes) receivedChars += s;
    wake = true;
    ingested = true;
  });
  setHandler(inboxStatusQuery, () => ({
    shard,
    round: queues.lastRound,
    waiting: queues.waiting().map((id) => ({ id, changes: queues.size(id) })),
    inFlight: [...inFlight],
    held: [...heldUntil].map(([id, until]) => ({ id, until })),
    dropped,
    backlogChars: queues.uniqueChars(),
  }));

  /** The subscription's workflow was not there: deleted (drop), or broken (healed, or held). */
  const notDelivered = async (id: string, h: HandoffInput): Promise<void> => {
    let status: string;
    try {
      status = await inboxTargetStatus(id);
    } catch {
      status = 'broken';
    }
    if (status === 'deleted') dropped += h.changes.length + queues.drop(id);
    else {
      queues.putBack(id, h);
      const n = (failures.get(id) ?? 0) + 1;
      failures.set(id, n);
      // Running (healed, or restored meanwhile): at once the first time, then with a pause.
      const pause =
        status === 'running' && n === 1 ? 0 : Math.min(RETRY_FIRST_MS * 2 ** (n - 1), RETRY_MAX_MS);
      if (pause > 0) heldUntil.set(id, Date.now() + pause);
    }
    inFlight.delete(id);
    wake = true;
  };

  const handOff = (id: string): void => {
    const h = queues.take(id, shard);
    if (!h) return;
    inFlight.add(id);
    getExternalWorkflowHandle(subscriptionWorkflowId(id))
      .signal(handoffSignal, h)
      .then(
        () => {
          inFlight.delete(id);
          failures.delete(id);
          wake = true;
        },
        () => notDelivered(id, h),
      );
  };

  const continueDue = () => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      info.historyLength >= historyLimit ||
      info.historySize >= HISTORY_BYTES_LIMIT ||
      receivedChars >= RECEIVED_CHARS_PER_RUN
    );
  };

  for (;;) {
    const now = Date.now();
    // Carried once per change however many subscriptions wait for it: bounded by what the API admits.
    const closing = continueDue() && queues.uniqueChars() <= CARRY_CHARS_LIMIT;
    if (closing && inFlight.size === 0) {
      if (afterSignal) {
        ingested = false;
        await condition(() => ingested, CONTINUE_AFTER_SIGNAL_MS);
      }
      // What arrived meanwhile is carried too, if the next run's input can still take it.
      if (queues.uniqueChars() <= CARRY_CHARS_LIMIT) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof inboxWorkflow>({ ...input, carried: queues.carry() });
      }
      continue;
    }
    // While closing, nothing new leaves: the run ends once what is in flight is acknowledged.
    const waveAt = lastWave + (perWave ? perHandoff : Math.min(perHandoff * lastWaveSize, MAX_WAVE_PAUSE_MS));
    let waiting = false;
    if (!closing && now >= waveAt) {
      let size = 0;
      for (const id of queues.waiting()) {
        if (inFlight.has(id)) continue;
        const until = heldUntil.get(id);
        if (until !== undefined && until > now) continue;
        heldUntil.delete(id);
        handOff(id);
        size++;
      }
      if (size > 0) [lastWave, lastWaveSize] = [now, size];
    } else if (!closing) waiting = queues.waiting().some((id) => !inFlight.has(id) && !heldUntil.has(id));
    if (waiting) {
      // Changes wait for the next wave: one timer, whatever arrives meanwhile (it rides along).
      await sleep(Math.max(1, waveAt - now));
      continue;
    }
    wake = false;
    // Woken by a signal, a hand-off's outcome, or a held subscription's retry.
    const nextRetry = Math.min(...heldUntil.values());
    if (Number.isFinite(nextRetry)) await condition(() => wake, Math.max(1, nextRetry - now));
    else await condition(() => wake);
  }
}
