// The worker's own metrics listener (HERALD_METRICS_PORT): /metrics, /healthz, nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../../src/metrics';
import { startMetricsServer } from '../../src/metrics-server';

void test('serves the registry on /metrics and liveness on /healthz, and closes', async () => {
  const metrics = createMetrics();
  metrics.delivery('delivered', 'sub_a');
  metrics.attempt({ outcome: 'success', durationMs: 12, subscription: 'sub_a', status: '204' });
  const server = await startMetricsServer(metrics, '127.0.0.1', 0);
  try {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^herald_deliveries_total\{outcome="delivered",subscription="sub_a"\} 1$/m);
    assert.match(text, /^herald_delivery_duration_seconds_count\{outcome="success"\} 1$/m);
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${server.url}/v1/subscriptions`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});
