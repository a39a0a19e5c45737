// The worker's side of workflows/sinks.ts: subscription backlogs into Herald's metrics.
import type { InjectedSinks } from '@temporalio/worker';
import type { HeraldSinks } from '../../workflows/sinks';

export interface BacklogMetrics {
  subscriptionBacklog(subscriptionId: string, changes: number, atMs: number): void;
}

/** Herald's sinks; without metrics they take the calls and drop them (replay, tests). */
export function heraldSinks(metrics?: Partial<BacklogMetrics>): InjectedSinks<HeraldSinks> {
  return {
    heraldMetrics: {
      backlog: {
        fn: (_info, subscriptionId, changes, atMs) =>
          metrics?.subscriptionBacklog?.(subscriptionId, changes, atMs),
        // Replay rebuilds the state a restarted worker reports; the newest atMs wins anyway.
        callDuringReplay: true,
      },
    },
  };
}
