// A broken subscription (its workflow closed outside Herald) heals by itself: the first change
// or look that finds it broken restores it, with its pending changes, and has it emit
// subscription.broken and subscription.restored, so one broken partner never stalls a publisher.
import type { SubscriptionGateway } from '../temporal/subscription-gateway';
import type { RoutingTable } from './routing-table';

export class Healer {
  /** Heals in progress in this process: concurrent requests that find one broken share it. */
  private readonly healing = new Map<string, Promise<boolean>>();

  constructor(private readonly deps: { gateway: SubscriptionGateway; routing: RoutingTable }) {}

  /**
   * True when the subscription's workflow runs (again); false when it cannot be restored (no
   * completed workflow task to reset to) or was deleted.
   */
  heal(id: string): Promise<boolean> {
    let healing = this.healing.get(id);
    if (!healing) {
      healing = this.restore(id).finally(() => this.healing.delete(id));
      this.healing.set(id, healing);
    }
    return healing;
  }

  private async restore(id: string): Promise<boolean> {
    const { gateway, routing } = this.deps;
    const { status, memo, closedAt } = await gateway.describe(id);
    // Restored meanwhile (by another request or process): a running workflow is never reset.
    if (status !== 'broken') return status === 'running';
    if (!(await gateway.restore(id))) return false;
    await gateway.restored(id, new Date().toISOString(), closedAt);
    routing.forget(id);
    // Routed as running at once; the next listing confirms it.
    if (memo && memo.state !== 'deleted' && memo.state !== 'broken') routing.upsert(memo);
    return true;
  }
}
