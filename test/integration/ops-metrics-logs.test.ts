// /metrics after real deliveries (one delivered, one failed after its last attempt), and the
// process's structured logs at debug level carrying no key, token, secret or personal data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codecUiToken } from '../../src/temporal/codec';
import { createLogger } from '../../src/runtime';
import { statusQuery } from '../../workflows/messages';
import { subscriptionWorkflowId } from '../../core/ids';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { personChange, startStack, type Stack } from '../helpers/stack';
import { testConfig } from '../helpers/config';
import { metricSample } from '../helpers/metrics';

const TOKEN = 'tok_log_probe_5KqP8wR';
const SECRET = `whsec_${Buffer.from('log-probe-signing-secret-0123456789abc').toString('base64')}`;
const PII = 'grace.hopper.logprobe@example.org';

void describe('metrics and logs', () => {
  let s: Stack;
  const logs: string[] = [];
  before(async () => {
    const logger = createLogger(
      { ...testConfig(), logLevel: 'debug' },
      { write: (l: string) => void logs.push(l) },
    );
    s = await startStack({ logger });
    s.receiver.setStatus((req) => (req.path.startsWith('/fail') ? 500 : 200));
  });
  after(async () => s?.close());

  void it('counts delivered and failed deliveries, attempts and latency; logs no secret', async () => {
    const sub = async (name: string, url: string, maximumAttempts: number, initialIntervalMs = 100) => {
      const res = await s.api('POST', '/v1/subscriptions', {
        key: 'admin',
        body: {
          name,
          url,
          events: ['person.category_added'],
          includePii: true,
          token: TOKEN,
          signingSecret: SECRET,
          batching: { debounceMs: 100, maxWaitMs: 1000 },
          retry: { initialIntervalMs, maximumAttempts, timeoutMs: 2000 },
        },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.id as string;
    };
    const okId = await sub('Delivered', s.receiver.url, 3);
    const failId = await sub('Failing', s.receiver.url.replace('/hook', '/fail'), 2);
    // Retried for long: its change stays in flight, the backlog gauge's one change.
    const stuckId = await sub('Stuck', s.receiver.url.replace('/hook', '/fail-long'), 13, 60_000);
    const pub = await s.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [personChange(1, PII)] },
    });
    assert.equal(pub.status, 202, pub.text);
    assert.equal(pub.body.subscriptions, 3);

    const counters = async (id: string) =>
      (await s.t.client.workflow.getHandle(subscriptionWorkflowId(id)).query(statusQuery)).counters;
    const end = Date.now() + 15_000;
    while ((await counters(okId)).deliveriesDelivered < 1 || (await counters(failId)).deliveriesFailed < 1) {
      assert.ok(Date.now() < end, 'one delivered and one failed delivery within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }

    const res = await s.api('GET', '/metrics');
    assert.equal(res.status, 200);
    const m = res.text;
    const read = (name: string, labels?: string) => metricSample(m, name, labels);
    assert.equal(read('herald_deliveries_total', 'outcome="delivered"'), 1);
    assert.equal(read('herald_deliveries_total', 'outcome="failed"'), 1);
    assert.equal(read('herald_delivery_attempts_total', 'outcome="success"'), 1);
    assert.equal(read('herald_delivery_attempts_total', `outcome="failure",subscription="${failId}"`), 2);
    assert.equal(read('herald_delivery_duration_seconds_count', 'outcome="success"'), 1);
    assert.ok(read('herald_delivery_duration_seconds_count', 'outcome="failure"') >= 2);
    assert.equal(read('herald_changes_received_total'), 1);
    assert.equal(read('herald_changes_routed_total'), 3);
    // Per subscription and status code: which partner fails, and how.
    assert.equal(read('herald_delivery_attempts_total', `subscription="${okId}",status_code="200"`), 1);
    assert.equal(read('herald_delivery_attempts_total', `subscription="${failId}",status_code="500"`), 2);
    assert.equal(read('herald_deliveries_total', `outcome="failed",subscription="${failId}"`), 1);
    // What each subscription workflow reports through the worker's sink.
    const gauge = async (name: string, id: string) =>
      metricSample(
        (await s.api('GET', '/metrics')).text,
        `herald_subscription_${name}`,
        `subscription="${id}"`,
      );
    const backlog = (id: string) => gauge('backlog_changes', id);
    const until = Date.now() + 15_000;
    while ((await backlog(stuckId)) !== 1 || (await gauge('failing_since_seconds', stuckId)) === 0) {
      assert.ok(Date.now() < until, 'the stuck subscription reports a backlog of 1, failing, within 15 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const since = await gauge('failing_since_seconds', stuckId);
    assert.ok(Math.abs(since - Date.now() / 1000) < 60, `failing since ${since}, a moment ago`);
    assert.equal(await gauge('failing_since_seconds', okId), 0);
    assert.equal(await gauge('disabled', stuckId), 0);
    assert.equal(await backlog(okId), 0);
    assert.match(
      m,
      new RegExp(`^herald_subscription_reported_seconds\\{subscription="${okId}"\\} \\d+`, 'm'),
    );
    assert.ok(read('herald_signals_sent_total', 'outcome="ok"') >= 1);
    assert.ok(read('herald_group_commit_batch_size_count') >= 1);
    const latency = read('herald_delivery_duration_seconds_sum', 'outcome="success"');
    assert.ok(latency > 0 && latency < 2, `delivery latency ${latency}s observed`);
    console.log(
      `  metrics: delivered 1, failed 1, attempts 1 ok + 2 failed, success latency ${(latency * 1000).toFixed(1)} ms`,
    );

    // The codec with the admin key and through the UI token path: requests that carry secrets.
    const payload = {
      payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: '' }],
    };
    assert.equal((await s.api('POST', '/codec/encode', { key: 'admin', body: payload })).status, 200);
    const token = codecUiToken(TEST_ADMIN_KEY);
    assert.equal((await s.api('POST', `/codec/ui/${token}/decode`, { body: payload })).status, 200);
    assert.equal((await s.api('GET', `/v1/subscriptions/${okId}`, { key: 'admin' })).status, 200);
    await s.api('GET', '/v1/subscriptions', { key: TEST_PUBLISH_KEY }); // a refused key is not logged either

    const text = logs.join('');
    assert.ok(logs.length > 10, `the app logged (${logs.length} lines)`);
    assert.ok(text.includes('"msg":"incoming request"'), 'requests are logged at this level');
    assert.ok(text.includes('/codec/ui/[redacted]/decode'), 'the codec token path is logged redacted');
    for (const [what, value] of Object.entries({
      TOKEN,
      SECRET,
      PII,
      TEST_ADMIN_KEY,
      TEST_PUBLISH_KEY,
      token,
    }))
      assert.ok(!text.includes(value), `${what} must not appear in the logs`);
    console.log(
      `  ${logs.length} log lines (${text.length} bytes) scanned: no key, token, secret or personal data`,
    );
  });
});
