// What the routing table is given: where it reads the subscriptions from (a listing, a run's
// status, the runs continued as new lately), how often, and whom it tells what it found.
import type { PublicSubscription } from '../../core/types';

export type ListSubscriptions = () => Promise<PublicSubscription[]>;
/** A subscription's latest run, read directly (consistent, unlike a listing). */
export type SubscriptionRunStatus = (id: string) => Promise<'running' | 'deleted' | 'broken'>;

export interface RoutingTableOptions {
  list: ListSubscriptions;
  /**
   * Asked before a subscription the table routes to is dropped because a listing lacks it.
   * Without it (unit tests of the rest) a listing is taken as it is.
   */
  status?: SubscriptionRunStatus;
  /**
   * Subscriptions continued as new lately. Before its first listing the table knew nothing
   * that could vanish, so these stand in for it (asked after that listing, so that a run whose
   * close it missed is among them).
   */
  recent?: ListSubscriptions;
  refreshMs: number;
  /** How long a local write outranks visibility; default max(60 s, 10 refresh periods). */
  localGraceMs?: number;
  log?: { warn: (obj: object, msg: string) => void };
  now?: () => number;
  /** Told the number of broken subscriptions after every listing. */
  onBroken?: (count: number) => void;
  /** Told the number of disabled subscriptions after every listing. */
  onDisabled?: (count: number) => void;
}
