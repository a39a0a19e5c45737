// The routing table's index: tenant → (no channel | each channel) → event → subscriptions.
// Looking a change up touches only the buckets it can match (its tenant and "*"; no channel
// and each of its channels; its event and "*"), so the work is proportional to the receivers.
// Rebuilt from scratch after a write (writes are rare, changes are many).
import type { PublicSubscription } from '../../core/types';
import { isOperationalEvent } from '../../core/operational-events';
import { ALL_TENANTS } from './routing-rules';

type Sub = PublicSubscription;

/** Subscriptions by event name, plus those of every event ("*"). */
class EventBucket {
  private readonly byEvent = new Map<string, Sub[]>();
  private readonly everyEvent: Sub[] = [];

  add(sub: Sub): void {
    if (sub.events.includes('*')) {
      this.everyEvent.push(sub);
      return;
    }
    for (const event of new Set(sub.events)) {
      const list = this.byEvent.get(event);
      if (list) list.push(sub);
      else this.byEvent.set(event, [sub]);
    }
  }

  /** Adds the stored lists that match; they are shared, so they are never appended to. */
  collect(event: string, parts: Sub[][]): void {
    const exact = this.byEvent.get(event);
    if (exact) parts.push(exact);
    // "*" does not include the operational events: they are asked for by name.
    if (this.everyEvent.length && !isOperationalEvent(event)) parts.push(this.everyEvent);
  }
}

/** One tenant's subscriptions (or those without a tenant, or the "*" ones). */
class TenantBucket {
  private readonly anyChannel = new EventBucket();
  private readonly byChannel = new Map<string, EventBucket>();

  add(sub: Sub): void {
    if (!sub.channels || sub.channels.length === 0) return this.anyChannel.add(sub);
    for (const channel of new Set(sub.channels)) {
      let bucket = this.byChannel.get(channel);
      if (!bucket) this.byChannel.set(channel, (bucket = new EventBucket()));
      bucket.add(sub);
    }
  }

  /** Returns true when a subscription may have been added twice (on two of the change's channels). */
  collect(event: string, channels: readonly string[] | undefined, parts: Sub[][]): boolean {
    this.anyChannel.collect(event, parts);
    if (!channels || channels.length === 0 || this.byChannel.size === 0) return false;
    const before = parts.length;
    for (const channel of new Set(channels)) this.byChannel.get(channel)?.collect(event, parts);
    return parts.length - before > 1;
  }
}

/** No tenant is a key of its own; tenant names are never empty. */
const NO_TENANT = '';

export class RoutingIndex {
  private readonly tenants = new Map<string, TenantBucket>();

  constructor(subs: Iterable<Sub>) {
    for (const sub of subs) {
      if (sub.state === 'deleted') continue;
      const key = sub.tenant ?? NO_TENANT;
      let bucket = this.tenants.get(key);
      if (!bucket) this.tenants.set(key, (bucket = new TenantBucket()));
      bucket.add(sub);
    }
  }

  /** The receivers; the answer may be a stored list, so callers must not change it. */
  match(event: string, tenant: string | undefined, channels?: readonly string[]): Sub[] {
    const parts: Sub[][] = [];
    let repeats = false;
    const own = this.tenants.get(tenant ?? NO_TENANT);
    if (own) repeats = own.collect(event, channels, parts);
    // A change's tenant is never "*" (the API refuses it), so this bucket is never `own`.
    const all = tenant === ALL_TENANTS ? undefined : this.tenants.get(ALL_TENANTS);
    if (all) repeats = all.collect(event, channels, parts) || repeats;
    if (parts.length === 0) return [];
    if (parts.length === 1) return parts[0]!;
    const flat = parts.flat();
    return repeats ? [...new Set(flat)] : flat;
  }
}
