// What operators see of a subscription workflow without querying it: search attributes and
// memo (Temporal UI lists and filters), and the current details line on its page.
import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES as SA } from './messages';
import { heraldMetrics } from './sinks';
import type { SubscriptionEntity } from '../core/subscription';

/** Upserts the search attributes (unless turned off for this run) and the memo. */
export function publishView(sub: SubscriptionEntity, searchAttributes: boolean): void {
  if (searchAttributes) {
    upsertSearchAttributes([
      { key: SA.subscriptionId, value: sub.config.id },
      { key: SA.state, value: sub.state },
      { key: SA.events, value: sub.config.events },
      { key: SA.failedDeliveries, value: sub.counters.deliveriesFailed },
      // Only when set: a subscription without a tenant upserts exactly what it did before.
      ...(sub.config.tenant === undefined ? [] : [{ key: SA.tenant, value: sub.config.tenant }]),
    ]);
  }
  upsertMemo({ subscription: sub.publicView() });
}

/** The one-line summary on the workflow's page in the Temporal UI, and the backlog metric. */
export function describeView(sub: SubscriptionEntity): void {
  const f = sub.inFlight;
  const queued = sub.queue.counts.length;
  const { failingSince, disabled } = sub.health;
  heraldMetrics.subscription(
    sub.config.id,
    {
      backlogChanges: sub.deleted ? 0 : sub.pending.size + sub.queuedChanges + (f?.changeCount ?? 0),
      ...(failingSince !== undefined && !sub.deleted ? { failingSinceMs: failingSince } : {}),
      disabled: !sub.deleted && disabled !== undefined,
    },
    Date.now(),
  );
  setCurrentDetails(
    `${sub.state}; ${sub.pending.size} pending change(s); ` +
      (queued ? `${queued} queued batch(es) with ${sub.queuedChanges} change(s); ` : '') +
      (f ? `delivery ${f.deliveryId} (${f.changeCount} changes) in flight` : 'no delivery in flight') +
      `; ${sub.counters.deliveriesDelivered} delivered, ${sub.counters.deliveriesFailed} failed`,
  );
}
