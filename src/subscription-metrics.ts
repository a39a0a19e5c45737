// Per-subscription gauges, set from what each subscription workflow reports to its worker
// (workflows/sinks.ts). A subscription moves between workers (cache eviction, sticky queue
// timeouts) and each worker keeps the last values it heard, so every series comes with the time
// of its report: the recording rules in deploy/prometheus/alerts.yml keep the newest per
// subscription (herald:subscription_backlog_changes, …).
import { Gauge, type Registry } from 'prom-client';
import type { SubscriptionMetrics } from './temporal/worker-sinks';

export function subscriptionGauges(registers: Registry[]): SubscriptionMetrics['subscriptionReport'] {
  const gauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['subscription'], registers });
  const backlog = gauge(
    'herald_subscription_backlog_changes',
    'Changes of a subscription not yet delivered (pending, queued, in flight), as its workflow last reported to this worker.',
  );
  const failingSince = gauge(
    'herald_subscription_failing_since_seconds',
    'When the subscription’s partner started failing (first failed attempt since its last success; Unix seconds); 0 while it is not failing.',
  );
  const disabled = gauge(
    'herald_subscription_disabled',
    '1 while Herald has disabled the subscription (410 Gone, or failing for delivery.disableAfterMs), else 0.',
  );
  const reported = gauge(
    'herald_subscription_reported_seconds',
    'When the subscription workflow made the report the other herald_subscription_* gauges of this worker show (workflow time, Unix seconds).',
  );
  const last = new Map<string, number>();
  return (subscription, report, atMs) => {
    const at = atMs / 1000;
    // A replayed or late report never moves a worker's gauges back in time.
    if ((last.get(subscription) ?? -Infinity) > at) return;
    last.set(subscription, at);
    const labels = { subscription };
    backlog.set(labels, report.backlogChanges);
    failingSince.set(labels, report.failingSinceMs === undefined ? 0 : report.failingSinceMs / 1000);
    disabled.set(labels, report.disabled ? 1 : 0);
    reported.set(labels, at);
  };
}
