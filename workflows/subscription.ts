// One long-lived workflow per subscription: receives changes by signal, merges them by key,
// debounces with durable timers and hands each batch to a delivery child workflow.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  changesSignal,
  configureUpdate,
  deleteUpdate,
  deliveriesQuery,
  deliveryFinishedSignal,
  deliveryIdOf,
  deliveryWorkflowId,
  pauseUpdate,
  pendingQuery,
  redeliverUpdate,
  resumeUpdate,
  rotateSecretUpdate,
  SEARCH_ATTRIBUTES,
  statusQuery,
} from './messages';
import { SubscriptionEntity, type CarriedState } from './subscription-state';
import { deliveryWorkflow } from './delivery';
import type { SubscriptionConfig } from './types';

export interface SubscriptionWorkflowInput {
  config: SubscriptionConfig;
  carried?: CarriedState;
  /** Continue-as-new once the history is this long, even if the server has not suggested it. */
  historyLimit?: number;
  /** Off only where the server has no custom search attributes (the time-skipping test server). */
  searchAttributes?: boolean;
}

export const DEFAULT_HISTORY_LIMIT = 4096;

const SA = {
  id: defineSearchAttributeKey(SEARCH_ATTRIBUTES.subscriptionId, SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey(SEARCH_ATTRIBUTES.state, SearchAttributeType.KEYWORD),
  events: defineSearchAttributeKey(SEARCH_ATTRIBUTES.events, SearchAttributeType.KEYWORD_LIST),
  failed: defineSearchAttributeKey(SEARCH_ATTRIBUTES.failedDeliveries, SearchAttributeType.INT),
  tenant: defineSearchAttributeKey(SEARCH_ATTRIBUTES.tenant, SearchAttributeType.KEYWORD),
};

export async function subscriptionWorkflow(input: SubscriptionWorkflowInput): Promise<void> {
  const sub = new SubscriptionEntity(input.config, input.carried);
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const now = () => Date.now();
  const iso = () => new Date().toISOString();
  // Set when something happens that the main loop must look at before its timer fires.
  let wake = false;
  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;

  const publish = () => {
    if (input.searchAttributes !== false) {
      upsertSearchAttributes([
        { key: SA.id, value: sub.config.id },
        { key: SA.state, value: sub.state },
        { key: SA.events, value: sub.config.events },
        { key: SA.failed, value: sub.counters.deliveriesFailed },
        // Only when set: a subscription without a tenant upserts exactly what it did before.
        ...(sub.config.tenant === undefined ? [] : [{ key: SA.tenant, value: sub.config.tenant }]),
      ]);
    }
    upsertMemo({ subscription: sub.publicView() });
  };
  const describe = () => {
    const f = sub.inFlight;
    setCurrentDetails(
      `${sub.state}; ${sub.pending.size} pending change(s); ` +
        (f ? `delivery ${f.deliveryId} (${f.changeCount} changes) in flight` : 'no delivery in flight') +
        `; ${sub.counters.deliveriesDelivered} delivered, ${sub.counters.deliveriesFailed} failed`,
    );
  };

  setHandler(changesSignal, ({ changes }) => {
    const wasEmpty = sub.pending.size === 0;
    sub.receive(changes, now());
    // Not woken for every signal: the debounce timer already running covers the common case.
    if (wasEmpty || sub.pending.size >= sub.config.batching.maxBatchSize || shouldContinueAsNew())
      wake = true;
  });
  setHandler(deliveryFinishedSignal, (result) => {
    if (sub.finish(result, iso())) wake = true;
    if (result.status === 'failed') publish();
  });
  setHandler(statusQuery, () => sub.status());
  setHandler(deliveriesQuery, () => sub.deliveries);
  setHandler(pendingQuery, () => sub.pending.changes());

  // Control messages change what the main loop waits for, and what the UI shows.
  const changed = <T>(out: T): T => {
    wake = true;
    publish();
    return out;
  };
  const notDeleted = (..._args: unknown[]) => {
    if (sub.deleted) throw new Error('subscription is deleted');
  };
  setHandler(configureUpdate, (patch) => (sub.configure(patch), changed(sub.publicView())), {
    validator: notDeleted,
  });
  setHandler(pauseUpdate, () => ((sub.paused = true), changed(sub.publicView())), { validator: notDeleted });
  setHandler(resumeUpdate, () => ((sub.paused = false), changed(sub.publicView())), {
    validator: notDeleted,
  });
  setHandler(
    rotateSecretUpdate,
    ({ secret, now: at }) => (sub.rotate(secret, at), changed(sub.publicView())),
    {
      validator: notDeleted,
    },
  );
  setHandler(deleteUpdate, () => void changed((sub.deleted = true)), { validator: notDeleted });
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
        if (!d) throw new Error(`unknown delivery ${deliveryId}`);
        if (d.status === 'in_flight') throw new Error(`delivery ${deliveryId} is still in flight`);
      },
    },
  );

  publish();
  for (;;) {
    describe();
    if (sub.deleted) break;
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof subscriptionWorkflow>({
        ...input,
        config: sub.config,
        carried: sub.carry(),
      });
    }
    const wait = sub.msUntilFlush(now());
    if (wait === 0) {
      await startDelivery(sub);
      continue;
    }
    wake = false;
    if (wait === undefined) await condition(() => wake);
    else await condition(() => wake, wait, { summary: 'debounce' });
  }
  // Deleted: nothing new is sent, and a delivery still retrying is cancelled, so a partner
  // that is gone is not called for days on behalf of a subscription that is gone too.
  if (sub.inFlight) {
    await getExternalWorkflowHandle(deliveryWorkflowId(sub.config.id, sub.inFlight.sequence))
      .cancel()
      .catch(() => undefined);
  }
  await condition(allHandlersFinished);
}

async function startDelivery(sub: SubscriptionEntity): Promise<void> {
  const sequence = sub.nextSequence;
  const deliveryId = deliveryIdOf(sub.config.id, sequence);
  const batch = sub.startBatch(deliveryId, new Date().toISOString());
  const { id, url, token, secrets, retry } = sub.config;
  await startChild(deliveryWorkflow, {
    workflowId: deliveryWorkflowId(id, batch.sequence),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${batch.changes.length} change(s) to ${new URL(url).host}`,
    args: [
      {
        subscriptionId: id,
        deliveryId,
        sequence: batch.sequence,
        url,
        token,
        secrets,
        changes: batch.changes,
        retry,
      },
    ],
  });
}
