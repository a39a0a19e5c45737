// A subscription's lifecycle beside its deliveries: disabling it once its deliveries have all
// failed for delivery.disableAfterMs (watched by a timer of its own while one retries, so a long
// retry is stopped too, and the main loop's waits stay as they were), taking back the batch of
// the delivery then in flight, and emitting the operational events it has queued, in order,
// through a retrying activity.
import { ActivityFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { deliveryWorkflowId } from '../core/ids';
import type { SubscriptionEntity } from '../core/subscription';
import { restoredSignal } from './messages';

const { emitOperationalEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Retried until Herald can route it: an event is not dropped because Temporal was busy.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  summary: 'operational event',
});
const { withdrawDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Not for long: a delivery that cannot be stopped reports its failure later, and a failed
  // delivery of a disabled subscription is held all the same.
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
  summary: 'stop the delivery retrying',
});

const iso = () => new Date().toISOString();

export interface Lifecycle {
  /** Disables the subscription if it is due and stops its delivery; true when it did. */
  disableIfDue(): Promise<boolean>;
}

/**
 * `changed`: the subscription's view changed (search attributes, memo); `wake`: the main loop
 * must look (the failing delivery's time is up).
 */
export function startLifecycle(
  sub: SubscriptionEntity,
  hooks: { changed: () => void; wake: () => void },
): Lifecycle {
  sub.lifecycle = true;
  setHandler(restoredSignal, ({ at, closedAt }) => {
    sub.health.restored(sub.config, at, closedAt);
  });
  const msUntilDisable = () =>
    // Only while a delivery is in flight: without one, the next delivery's end decides.
    sub.inFlight && !sub.deleted ? sub.health.msUntilDisable(sub.config, Date.now()) : undefined;
  void emitInOrder(sub);
  void watchFailing(msUntilDisable, () => `${sub.config.updatedAt}|${sub.health.failingSince}`, hooks.wake);
  return {
    async disableIfDue() {
      if (msUntilDisable() !== 0) return false;
      // Taken back first, so the subscription is disabled with its last attempt's status.
      await takeBack(sub);
      sub.health.disable('failing', sub.config, iso());
      hooks.changed();
      return true;
    },
  };
}

/**
 * Stops the delivery in flight and ends it as failed with what it held: past disableAfterMs, its
 * end disables the subscription and holds its changes. One that already ended reports itself.
 */
async function takeBack(sub: SubscriptionEntity): Promise<void> {
  const f = sub.inFlight;
  if (!f || f.runner === 'local') return;
  let taken: Awaited<ReturnType<Activities['withdrawDelivery']>>;
  try {
    taken = await withdrawDelivery(deliveryWorkflowId(sub.config.id, f.sequence));
  } catch (err) {
    if (err instanceof ActivityFailure) return;
    throw err;
  }
  if (!taken || sub.inFlight?.sequence !== f.sequence) return;
  const result = { deliveryId: f.deliveryId, sequence: f.sequence, ...taken };
  sub.finish({ ...result, status: 'failed' }, iso());
}

/**
 * One timer per failing stretch (not one per turn of the main loop, which wakes for every burst
 * of changes during an outage): it waits until disableAfterMs is reached, starting over when the
 * settings or the failure clock change, and then wakes the main loop until it has acted.
 */
async function watchFailing(
  msUntilDisable: () => number | undefined,
  clock: () => string,
  wake: () => void,
): Promise<void> {
  for (;;) {
    await condition(() => msUntilDisable() !== undefined);
    const ms = msUntilDisable()!;
    const started = clock();
    if (ms > 0) {
      await condition(() => clock() !== started || msUntilDisable() === undefined, ms);
      continue;
    }
    wake();
    await condition(() => msUntilDisable() !== 0);
  }
}

/** The oldest queued event first; it leaves the outbox only once routed (carried across runs). */
async function emitInOrder(sub: SubscriptionEntity): Promise<void> {
  for (;;) {
    await condition(() => sub.health.outbox.length > 0 && !sub.deleted);
    await emitOperationalEvent(sub.health.outbox[0]!, sub.config.id);
    sub.health.outbox.shift();
  }
}
