// Delivery metrics per subscription and status code, and the backlog gauge's ordering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../../src/metrics';

const text = async (m: ReturnType<typeof createMetrics>) => m.registry.metrics();

void test('attempts carry subscription and status_code, deliveries their subscription', async () => {
  const m = createMetrics({ defaultMetrics: false });
  m.attempt({ outcome: 'failure', durationMs: 5, subscription: 'sub_a', status: '503' });
  m.attempt({ outcome: 'failure', durationMs: 5, subscription: 'sub_a', status: '503' });
  m.attempt({ outcome: 'failure', durationMs: 9, subscription: 'sub_b', status: 'timeout' });
  m.attempt({ outcome: 'success', durationMs: 5, subscription: 'sub_a', status: '200' });
  m.delivery('delivered', 'sub_a');
  const t = await text(m);
  assert.match(
    t,
    /^herald_delivery_attempts_total\{outcome="failure",subscription="sub_a",status_code="503"\} 2$/m,
  );
  assert.match(
    t,
    /^herald_delivery_attempts_total\{outcome="failure",subscription="sub_b",status_code="timeout"\} 1$/m,
  );
  assert.match(
    t,
    /^herald_delivery_attempts_total\{outcome="success",subscription="sub_a",status_code="200"\} 1$/m,
  );
  assert.match(t, /^herald_deliveries_total\{outcome="delivered",subscription="sub_a"\} 1$/m);
  // The latency histogram stays per outcome: buckets × subscriptions would be too many series.
  assert.match(t, /^herald_delivery_duration_seconds_count\{outcome="failure"\} 3$/m);
});

void test('subscription gauges keep the newest report, whatever order reports arrive in', async () => {
  const m = createMetrics({ defaultMetrics: false });
  m.subscriptionReport(
    'sub_a',
    { backlogChanges: 40, failingSinceMs: 1_500_000, disabled: false },
    2_000_000,
  );
  // A replay of an older task, reported late.
  m.subscriptionReport('sub_a', { backlogChanges: 90, disabled: false }, 1_000_000);
  m.subscriptionReport('sub_b', { backlogChanges: 3, disabled: true }, 1_500_000);
  const t = await text(m);
  assert.match(t, /^herald_subscription_backlog_changes\{subscription="sub_a"\} 40$/m);
  assert.match(t, /^herald_subscription_failing_since_seconds\{subscription="sub_a"\} 1500$/m);
  assert.match(t, /^herald_subscription_reported_seconds\{subscription="sub_a"\} 2000$/m);
  assert.match(t, /^herald_subscription_disabled\{subscription="sub_a"\} 0$/m);
  assert.match(t, /^herald_subscription_backlog_changes\{subscription="sub_b"\} 3$/m);
  assert.match(t, /^herald_subscription_failing_since_seconds\{subscription="sub_b"\} 0$/m);
  assert.match(t, /^herald_subscription_disabled\{subscription="sub_b"\} 1$/m);
  m.subscriptionReport('sub_a', { backlogChanges: 0, disabled: false }, 2_500_000);
  assert.match(await text(m), /^herald_subscription_backlog_changes\{subscription="sub_a"\} 0$/m);
  assert.match(await text(m), /^herald_subscription_failing_since_seconds\{subscription="sub_a"\} 0$/m);
});

void test('HERALD_METRICS_SUBSCRIPTION_LABEL=false: one series per outcome and status, no backlog gauge', async () => {
  const m = createMetrics({ defaultMetrics: false, perSubscription: false });
  m.attempt({ outcome: 'failure', durationMs: 5, subscription: 'sub_a', status: '500' });
  m.attempt({ outcome: 'failure', durationMs: 5, subscription: 'sub_b', status: '500' });
  m.delivery('failed', 'sub_b');
  m.subscriptionReport('sub_a', { backlogChanges: 7, disabled: false }, 1_000);
  const t = await text(m);
  assert.match(
    t,
    /^herald_delivery_attempts_total\{outcome="failure",subscription="\*",status_code="500"\} 2$/m,
  );
  assert.match(t, /^herald_deliveries_total\{outcome="failed",subscription="\*"\} 1$/m);
  assert.doesNotMatch(t, /^herald_subscription_(backlog_changes|reported_seconds)\{/m);
});
