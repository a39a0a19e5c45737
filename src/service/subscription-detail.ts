// What a GET reads of a subscription from its workflow: a running one's live status (its
// delivery in flight from that delivery's own workflow), and what a broken one's closed run
// still answers.
import type { DeliveryGateway } from '../temporal/delivery-gateway';
import type { SubscriptionGateway } from '../temporal/subscription-gateway';
import { zeroCounters } from '../../core/subscription-carried';
import type { PublicSubscription } from '../../core/types';
import { notFound } from './errors';
import { lastDeliveredAt, type LiveStatus, type SubscriptionDetail } from './subscription-types';

interface DetailDeps {
  gateway: SubscriptionGateway;
  deliveries: DeliveryGateway;
}

/** A running subscription as its workflow answers now: its public view and its live part. */
export async function liveDetail(
  deps: DetailDeps,
  id: string,
): Promise<{ subscription: PublicSubscription; live: LiveStatus }> {
  const { gateway, deliveries } = deps;
  const [status, summaries] = await Promise.all([gateway.status(id), gateway.deliveries(id)]);
  const statusAsOf = new Date().toISOString();
  if (status.state === 'deleted') throw notFound('subscription');
  let inFlight: SubscriptionDetail['inFlight'] = null;
  if (status.inFlight?.runner === 'local') {
    // Its first attempt is running in the subscription itself: nothing made yet.
    const { attempts: _none, ...f } = status.inFlight;
    inFlight = { ...f, attempt: 0 };
  } else if (status.inFlight) {
    const f = status.inFlight;
    // The delivery may end between the two queries; its summary is still worth showing.
    const state = await deliveries.state(id, f.sequence).catch(() => undefined);
    inFlight = {
      ...f,
      attempt: state?.attempts.length ?? 0,
      nextAttemptAt: state?.nextAttemptAt,
      attemptsLeft: state?.attemptsLeft,
      lastAttempt: state?.attempts.at(-1),
    };
  }
  const live: LiveStatus = {
    pendingChanges: status.pendingChanges,
    queuedBatches: status.queuedBatches ?? 0,
    queuedChanges: status.queuedChanges ?? 0,
    inFlight,
    counters: status.counters,
    ...(status.nextPostAt ? { nextPostAt: status.nextPostAt } : {}),
    lastDeliveredAt: lastDeliveredAt(summaries),
    statusAsOf,
  };
  return { subscription: { ...status.subscription, state: status.state }, live };
}

/** A closed workflow still answers queries by replay; its memo is the fallback. */
export async function brokenDetail(
  deps: DetailDeps,
  id: string,
  memo?: PublicSubscription,
): Promise<SubscriptionDetail> {
  const status = await deps.gateway.status(id).catch(() => undefined);
  const pub = status?.subscription ?? memo;
  if (!pub) throw notFound('subscription');
  return {
    ...pub,
    state: 'broken',
    pendingChanges: status?.pendingChanges ?? 0,
    queuedBatches: status?.queuedBatches ?? 0,
    queuedChanges: status?.queuedChanges ?? 0,
    inFlight: null,
    counters: status?.counters ?? zeroCounters(),
    statusAsOf: new Date().toISOString(),
  };
}
