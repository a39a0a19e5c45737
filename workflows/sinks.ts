// What subscription workflows tell their worker outside their history: sinks run on the worker
// after the workflow task, never feed back into the workflow, and so cost no determinism.
import { proxySinks, type Sinks } from '@temporalio/workflow';

export interface HeraldSinks extends Sinks {
  heraldMetrics: {
    /**
     * A subscription's backlog (changes not yet delivered: pending, queued and in flight) as of
     * `atMs` (workflow time). Called during replay too, so a restarted worker reports what the
     * history says, and `atMs` lets dashboards prefer the newest report when a subscription
     * has moved between workers.
     */
    backlog(subscriptionId: string, changes: number, atMs: number): void;
  };
}

export const { heraldMetrics } = proxySinks<HeraldSinks>();
