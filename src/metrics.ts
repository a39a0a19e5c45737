// Prometheus metrics for the API and the worker. One registry per process (not prom-client's
// global one), so tests and the combined `npm start` process never register a metric twice.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { subscriptionGauges } from './subscription-metrics';
import type { SubscriptionMetrics } from './temporal/worker-sinks';
import type { AttemptSample } from '../activities/deliver';

export type DeliveryOutcome = 'delivered' | 'failed';

export interface Metrics {
  registry: Registry;
  changesReceived: Counter;
  changesRouted: Counter;
  /** Changes of requests refused with 503 subscription_busy (backpressure). */
  changesRefusedBusy: Counter;
  signalsSent: Counter<'outcome'>;
  groupCommitBatchSize: Histogram;
  deliveries: Counter<'outcome' | 'subscription'>;
  deliveryAttempts: Counter<'outcome' | 'subscription' | 'status_code'>;
  deliveryDuration: Histogram<'outcome'>;
  /** Subscriptions whose workflow was closed outside Herald (see the README runbook). */
  subscriptionsBroken: Gauge;
  /** Subscriptions Herald disabled (410 Gone, or failing for delivery.disableAfterMs). */
  subscriptionsDisabled: Gauge;
  /** Where the `herald_subscriptions_behind` gauge reads its value on each scrape. */
  readSubscriptionsBehind(reader: () => number): void;
  /** One HTTP attempt of a delivery ended (called by the delivery activity). */
  attempt(sample: AttemptSample): void;
  /** A delivery ended for good: delivered, or failed after its last attempt. */
  delivery(outcome: DeliveryOutcome, subscription: string): void;
  /** A subscription workflow's state as of atMs (workflows/sinks.ts); ignored without perSubscription. */
  subscriptionReport: SubscriptionMetrics['subscriptionReport'];
}

export interface MetricsOptions {
  defaultMetrics?: boolean;
  prefix?: string;
  /**
   * Whether delivery counters carry a `subscription` label (HERALD_METRICS_SUBSCRIPTION_LABEL).
   * Off, the label is `*` for every series: one series per outcome and status instead of one per
   * subscription, for installations with more subscriptions than their Prometheus can hold.
   */
  perSubscription?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const perSubscription = opts.perSubscription !== false;
  const subscriptionLabel = (id: string) => (perSubscription ? id : '*');
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: opts.prefix });
  const registers = [registry];

  const changesReceived = new Counter({
    name: 'herald_changes_received_total',
    help: 'Changes accepted by the change endpoints (after validation).',
    registers,
  });
  const changesRouted = new Counter({
    name: 'herald_changes_routed_total',
    help: 'Changes signalled to subscriptions (one change routed to n subscriptions counts n).',
    registers,
  });
  const changesRefusedBusy = new Counter({
    name: 'herald_changes_refused_busy_total',
    help: 'Changes refused with 503 subscription_busy because a subscription was taking them faster than its bound.',
    registers,
  });
  const signalsSent = new Counter({
    name: 'herald_signals_sent_total',
    help: 'changes signals sent to subscription workflows, by outcome (ok, not_found, error).',
    labelNames: ['outcome'],
    registers,
  });
  const groupCommitBatchSize = new Histogram({
    name: 'herald_group_commit_batch_size',
    help: 'Publish requests carried together by one changes signal (group commit).',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers,
  });
  const deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Deliveries that ended, by outcome (delivered, failed) and subscription.',
    labelNames: ['outcome', 'subscription'],
    registers,
  });
  const deliveryAttempts = new Counter({
    name: 'herald_delivery_attempts_total',
    help: 'HTTP attempts of deliveries, by outcome, subscription and status_code (the HTTP status, or timeout, network, forbidden_address, invalid_url when none came).',
    labelNames: ['outcome', 'subscription', 'status_code'],
    registers,
  });
  const deliveryDuration = new Histogram({
    name: 'herald_delivery_duration_seconds',
    help: 'Duration of one HTTP delivery attempt, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const subscriptionsBroken = new Gauge({
    name: 'herald_subscriptions_broken',
    help: 'Subscriptions whose workflow was closed by anything but DELETE; changes for them are refused with 503.',
    registers,
  });
  const subscriptionsDisabled = new Gauge({
    name: 'herald_subscriptions_disabled',
    help: 'Subscriptions Herald disabled (their partner answered 410 Gone, or failed for delivery.disableAfterMs); nothing is sent to them until they are resumed.',
    registers,
  });
  let behindReader: (() => number) | undefined;
  new Gauge({
    name: 'herald_subscriptions_behind',
    help: 'Subscriptions whose workflow has left more than HERALD_SUBSCRIPTION_MAX_LAG_MS of their byte rate untaken (no worker running?); changes for them are refused with 503 subscription_busy.',
    registers,
    collect() {
      if (behindReader) this.set(behindReader());
    },
  });

  return {
    registry,
    subscriptionsBroken,
    subscriptionsDisabled,
    readSubscriptionsBehind: (reader) => void (behindReader = reader),
    changesReceived,
    changesRouted,
    changesRefusedBusy,
    signalsSent,
    groupCommitBatchSize,
    deliveries,
    deliveryAttempts,
    deliveryDuration,
    attempt({ outcome, durationMs, subscription, status }) {
      deliveryAttempts.inc({ outcome, subscription: subscriptionLabel(subscription), status_code: status });
      deliveryDuration.observe({ outcome }, durationMs / 1000);
    },
    delivery(outcome, subscription) {
      deliveries.inc({ outcome, subscription: subscriptionLabel(subscription) });
    },
    subscriptionReport: perSubscription ? subscriptionGauges(registers) : () => undefined,
  };
}
