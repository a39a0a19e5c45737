// Who receives a change (issue 17), as pure functions: the one statement of the rules that the
// routing table's index must agree with (a property test checks it does).
//
// - Tenant: a subscription of tenant T receives only changes of tenant T; one without a tenant
//   receives only changes without a tenant (publisher-wide data); `tenant: "*"` receives every
//   change, of any tenant or none. Safe by default: a publisher that starts tagging changes
//   with tenants never leaks them to an older, untagged subscription.
// - Channels (Svix semantics): a subscription with channels receives only changes sharing at
//   least one of them; one without channels (absent or empty) receives every change.
// - Events: as before, the names listed or ["*"]; but "*" never includes Herald's operational
//   events (core/operational-events.ts): those are opt-in by name, as in Svix.
import { isOperationalEvent } from '../../core/operational-events';
import type { Change, PublicSubscription } from '../../core/types';

/** The subscription tenant that receives every tenant's changes, and those without one. */
export const ALL_TENANTS = '*';

/** A tenant or channel name: URL-safe (tenants appear in paths), 1–128 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A change as the publisher sends it: the delivered shape plus routing metadata. */
export type RoutableChange = Change & { channels?: string[] };

export type RoutedSubscription = Pick<PublicSubscription, 'events' | 'tenant' | 'channels' | 'state'>;

export function tenantReceives(subTenant: string | undefined, changeTenant: string | undefined): boolean {
  return subTenant === ALL_TENANTS || subTenant === changeTenant;
}

export function channelsMatch(
  subChannels: readonly string[] | undefined,
  changeChannels: readonly string[] | undefined,
): boolean {
  if (!subChannels || subChannels.length === 0) return true;
  return (changeChannels ?? []).some((c) => subChannels.includes(c));
}

export function eventMatches(events: readonly string[], event: string): boolean {
  return events.includes(event) || (events.includes('*') && !isOperationalEvent(event));
}

/** The routing decision of POST /v1/changes for one subscription and one (normalised) change. */
export function receives(sub: RoutedSubscription, change: RoutableChange): boolean {
  return (
    sub.state !== 'deleted' &&
    eventMatches(sub.events, change.event!) &&
    tenantReceives(sub.tenant, change.tenant) &&
    channelsMatch(sub.channels, change.channels)
  );
}

/**
 * POST /v1/subscriptions/:id/changes addresses one subscription, so events and channels (what
 * it is interested in) do not apply, but the tenant boundary still does: a change of tenant X
 * never goes to a subscription of another tenant, or to one without a tenant. A change without
 * a tenant may go anywhere the publisher sends it, as before tenants existed.
 */
export function directAllowed(subTenant: string | undefined, changeTenant: string | undefined): boolean {
  return changeTenant === undefined || tenantReceives(subTenant, changeTenant);
}

/**
 * The change as this subscription's receiver gets it: the contract's shape, without channels
 * (routing metadata, as in Svix) and without the tenant, which the subscription implies, except
 * for `tenant: "*"` subscriptions, which could not tell the tenants apart otherwise.
 */
export function deliveredShape(change: RoutableChange, subTenant: string | undefined): Change {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { channels, tenant, ...shape } = change;
  return subTenant === ALL_TENANTS && tenant !== undefined ? { ...shape, tenant } : shape;
}
