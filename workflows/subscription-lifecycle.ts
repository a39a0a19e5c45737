// A subscription's lifecycle beside its deliveries: disabling it once its deliveries have all
// failed for delivery.disableAfterMs (checked on a timer while one retries, so a long retry is
// stopped too), taking back the batch of the delivery then in flight, and emitting the
// operational events it has queued, in order, through a retrying activity.
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
  /** Milliseconds until a delivery still failing disables the subscription (undefined: none). */
  msUntilDisable(): number | undefined;
  /** Disables the subscription if it is due and stops its delivery; true when it did. */
  disableIfDue(): Promise<boolean>;
}

/** `changed`: the subscription's view changed (search attributes, memo) and the loop must look. */
export function startLifecycle(sub: SubscriptionEntity, changed: () => void): Lifecycle {
  sub.lifecycle = true;
  setHandler(restoredSignal, ({ at, closedAt }) => {
    sub.health.restored(sub.config, at, closedAt);
  });
  void emitInOrder(sub);
  const msUntilDisable = () =>
    // Only while a delivery is in flight: without one, the next delivery's end decides.
    sub.inFlight && !sub.deleted ? sub.health.msUntilDisable(sub.config, Date.now()) : undefined;
  return {
    msUntilDisable,
    async disableIfDue() {
      if (msUntilDisable() !== 0) return false;
      // Taken back first, so the subscription is disabled with its last attempt's status.
      await takeBack(sub);
      sub.health.disable('failing', sub.config, iso());
      changed();
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

/** The oldest queued event first; it leaves the outbox only once routed (carried across runs). */
async function emitInOrder(sub: SubscriptionEntity): Promise<void> {
  for (;;) {
    await condition(() => sub.health.outbox.length > 0 && !sub.deleted);
    await emitOperationalEvent(sub.health.outbox[0]!, sub.config.id);
    sub.health.outbox.shift();
  }
}
