// The worker's side of workflows/sinks.ts: subscription states into Herald's metrics.
import type { InjectedSinks } from '@temporalio/worker';
import type { HeraldSinks, SubscriptionReport } from '../../workflows/sinks';

export interface SubscriptionMetrics {
  subscriptionReport(subscriptionId: string, report: SubscriptionReport, atMs: number): void;
}

/** Herald's sinks; without metrics they take the calls and drop them (replay, tests). */
export function heraldSinks(metrics?: Partial<SubscriptionMetrics>): InjectedSinks<HeraldSinks> {
  return {
    heraldMetrics: {
      subscription: {
        fn: (_info, subscriptionId, report, atMs) =>
          metrics?.subscriptionReport?.(subscriptionId, report, atMs),
        // Replay rebuilds the state a restarted worker reports; the newest atMs wins anyway.
        callDuringReplay: true,
      },
    },
  };
}
