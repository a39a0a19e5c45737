// One long-lived workflow per subscription: receives changes by signal, merges them by key,
// debounces with durable timers and delivers each batch: its first attempt here as a local
// activity, the retries in a delivery child. A backlog past the open window's bound is sealed
// into queued delivery children, so nothing this workflow carries grows with the backlog.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  changesSignal,
  configureUpdate,
  deleteUpdate,
  deliveriesQuery,
  deliveryChangesQuery,
  deliveryFinishedSignal,
  pauseUpdate,
  pendingQuery,
  recoverUpdate,
  redeliverUpdate,
  resumeUpdate,
  rotateSecretUpdate,
  statusQuery,
} from './messages';
import { deliveryIdOf } from '../core/ids';
import { DOMAIN_ERRORS } from '../core/errors';
import { SubscriptionEntity } from '../core/subscription';
import { addTraceparents } from '../core/trace-links';
import type { CarriedState } from '../core/subscription-carried';
import {
  cancelOutstanding,
  deliverBatch,
  releaseQueued,
  sealBatches,
  startLegacyDelivery,
} from './subscription-dispatch';
import type { Change, SubscriptionConfig, SubscriptionPatch } from '../core/types';
import {
  CHILDREN_PER_RUN,
  DEFAULT_HISTORY_LIMIT,
  FAST_PATH_PATCH,
  HISTORY_BYTES_LIMIT,
  LIFECYCLE_PATCH,
  PENDING_QUERY_LIMIT,
  RECEIVED_CHARS_PER_RUN,
  RECEIVED_CHARS_PER_RUN_BEFORE,
  RUN_BYTES_PATCH,
  SHORTER_RUNS_PATCH,
  SEAL_BYTES_PER_TASK,
} from './subscription-limits';
import { describeView, publishView } from './subscription-view';
import { startLifecycle } from './subscription-lifecycle';
import { acceptErasures } from './subscription-erasure';
import { takeHandoffs } from './subscription-inbox';
import type { AppliedMark } from '../core/inbox';

export interface SubscriptionWorkflowInput {
  config: SubscriptionConfig;
  carried?: CarriedState;
  /** Continue-as-new once the history is this long, even if the server has not suggested it. */
  historyLimit?: number;
  /** Off only where the server has no custom search attributes (the time-skipping test server). */
  searchAttributes?: boolean;
  /** What was applied of the ingest inbox, per shard (absent until a hand-off arrives). */
  inboxRounds?: Record<string, AppliedMark>;
}

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<void> {
  const sub = new SubscriptionEntity(input.config, input.carried);
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const now = () => Date.now();
  const iso = () => new Date().toISOString();
  const v2 = patched(FAST_PATH_PATCH);
  const boundReceived = v2 && patched(RUN_BYTES_PATCH);
  const receivedLimit =
    boundReceived && patched(SHORTER_RUNS_PATCH) ? RECEIVED_CHARS_PER_RUN : RECEIVED_CHARS_PER_RUN_BEFORE;
  let childrenStarted = 0;
  let receivedChars = 0;
  // Set when something happens that the main loop must look at before its timer fires.
  let wake = false;
  // Right to erasure (issue 29): an erase update asks for a new run that no longer holds the keys.
  const erasure = acceptErasures(sub, { wake: () => void (wake = true) });
  const shouldContinueAsNew = () => {
    if (erasure.due()) return true;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= historyLimit) return true;
    if (boundReceived && receivedChars >= receivedLimit) return true;
    return v2 && (childrenStarted >= CHILDREN_PER_RUN || info.historySize >= HISTORY_BYTES_LIMIT);
  };

  const publish = () => publishView(sub, input.searchAttributes !== false);
  const describe = () => describeView(sub);
  // Disable on failure and operational events (runs recorded before them replay without).
  const life =
    v2 && patched(LIFECYCLE_PATCH)
      ? startLifecycle(sub, { changed: () => publish(), wake: () => void (wake = true) })
      : undefined;

  const take = (changes: Change[], sizes: number[] | undefined) => {
    const wasEmpty = sub.pending.size === 0;
    sub.receive(changes, now(), sizes);
    if (boundReceived)
      receivedChars += sizes ? sizes.reduce((n, x) => n + x, 0) : JSON.stringify(changes).length;
    // Not woken for every signal: the debounce timer already running covers the common case.
    if (wasEmpty || sub.pending.size >= sub.config.batching.maxBatchSize || shouldContinueAsNew())
      wake = true;
    else if (v2 && sub.needsSeal()) wake = true;
  };
  setHandler(changesSignal, ({ changes, sizes, traceparents }) => {
    if (traceparents) sub.traceparents = addTraceparents(sub.traceparents, traceparents);
    take(changes, sizes);
  });
  // Changes through the ingest inbox: the same, each applied once (a new signal, so no patch).
  const handoffs = takeHandoffs(input.inboxRounds, take);
  setHandler(deliveryFinishedSignal, (result) => {
    // A finished delivery reports its batch's changes back (to be retained): input too.
    if (boundReceived) receivedChars += JSON.stringify(result.changes).length;
    if (sub.finish(result, iso())) wake = true;
    if (result.status === 'failed') publish();
  });
  setHandler(statusQuery, () => sub.status());
  setHandler(deliveriesQuery, () => sub.deliveries);
  setHandler(pendingQuery, () => sub.pending.changes(PENDING_QUERY_LIMIT));
  setHandler(deliveryChangesQuery, (sequence) => sub.retainedChanges(sequence));

  // Control messages change what the main loop waits for, and what the UI shows.
  const changed = <T>(out: T): T => {
    wake = true;
    publish();
    return out;
  };
  const notDeleted = (..._args: unknown[]) => {
    if (sub.deleted)
      throw ApplicationFailure.nonRetryable('subscription is deleted', DOMAIN_ERRORS.subscriptionDeleted);
  };
  // The four updates that change the subscription and answer with its public view.
  const thenView =
    <A extends unknown[]>(apply: (...args: A) => void) =>
    (...args: A) => {
      apply(...args);
      return changed(sub.publicView());
    };
  const guarded = { validator: notDeleted };
  setHandler(
    configureUpdate,
    thenView((patch: SubscriptionPatch) => sub.configure(patch)),
    guarded,
  );
  setHandler(
    pauseUpdate,
    thenView(() => void (sub.paused = true)),
    guarded,
  );
  setHandler(
    resumeUpdate,
    thenView(() => sub.resume(iso())),
    guarded,
  );
  setHandler(
    rotateSecretUpdate,
    thenView(({ secret, now: at }) => sub.rotate(secret, at)),
    guarded,
  );
  setHandler(
    deleteUpdate,
    () => {
      sub.deleted = true;
      changed(undefined);
    },
    { validator: notDeleted },
  );
  setHandler(
    recoverUpdate,
    ({ changes }) => {
      sub.pending.addOlder(changes, now());
      sub.lastChangeAt = now();
      return changed({ pendingChanges: sub.pending.size });
    },
    guarded,
  );
  setHandler(
    redeliverUpdate,
    ({ changes }) => {
      sub.pending.addAll(changes, now());
      sub.lastChangeAt = now();
      return changed({ pendingChanges: sub.pending.size });
    },
    {
      validator: ({ deliveryId }) => {
        notDeleted();
        const d = sub.deliveries.find((x) => x.deliveryId === deliveryId);
        if (!d)
          throw ApplicationFailure.nonRetryable(
            `unknown delivery ${deliveryId}`,
            DOMAIN_ERRORS.unknownDelivery,
          );
        if (d.status === 'in_flight')
          throw ApplicationFailure.nonRetryable(
            `delivery ${deliveryId} is still in flight`,
            DOMAIN_ERRORS.deliveryInFlight,
          );
      },
    },
  );

  publish();
  for (;;) {
    describe();
    if (sub.deleted) break;
    // Sealing comes before continue-as-new: what a new run carries must be within the bound.
    if (v2 && sub.needsSeal()) {
      childrenStarted += await sealBatches(sub, SEAL_BYTES_PER_TASK);
      continue;
    }
    if (life && (await life.disableIfDue())) continue;
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof subscriptionWorkflow>({
        ...input,
        config: sub.config,
        carried: sub.carry(),
        inboxRounds: handoffs.carry(),
      });
    }
    const next = v2 ? sub.nextQueued(iso(), (n) => deliveryIdOf(sub.config.id, n)) : null;
    if (next) {
      await releaseQueued(sub, next);
      continue;
    }
    const wait = sub.msUntilFlush(now());
    if (wait === 0) {
      if (!v2) await startLegacyDelivery(sub);
      else if (await deliverBatch(sub, publish)) childrenStarted++;
      continue;
    }
    wake = false;
    if (wait === undefined) await condition(() => wake);
    else await condition(() => wake, wait, { summary: 'debounce' });
  }
  await cancelOutstanding(sub);
  await condition(allHandlersFinished);
}
