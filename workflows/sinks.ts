// What subscription workflows tell their worker outside their history: sinks run on the worker
// after the workflow task, never feed back into the workflow, and so cost no determinism.
import { proxySinks, type Sinks } from '@temporalio/workflow';

/** A subscription's state as its metrics show it. */
export interface SubscriptionReport {
  /** Changes not yet delivered: pending, queued and in flight. */
  backlogChanges: number;
  /** When its partner started failing (the first failed attempt since the last success), ms. */
  failingSinceMs?: number;
  disabled: boolean;
}

export interface HeraldSinks extends Sinks {
  heraldMetrics: {
    /**
     * The subscription's state as of `atMs` (workflow time). Called during replay too, so a
     * restarted worker reports what the history says; `atMs` lets dashboards prefer the newest
     * report when a subscription has moved between workers.
     */
    subscription(subscriptionId: string, report: SubscriptionReport, atMs: number): void;
  };
}

export const { heraldMetrics } = proxySinks<HeraldSinks>();
