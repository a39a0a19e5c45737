// Tracing end to end against a real trace backend: Jaeger (built from its Go module by
// scripts/jaeger.mjs, cached in .tools/) receives Herald's spans over OTLP/HTTP, and the test
// reads them back through Jaeger's own query API. A publish with the publisher's `traceparent`
// must show as one trace: the request, the signal, the workflow, the delivery attempt and the
// webhook POST, whose `traceparent` the partner received; a batch that merged two requests
// links to both. Never skipped: without Go (and no cached Jaeger) `before` fails and says why.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTracing, stopTracing } from '../../src/tracing';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { startJaeger, type Jaeger, type JaegerSpan, type JaegerTrace } from '../helpers/jaeger';
import { startStack, type Stack } from '../helpers/stack';
import { waitUntil } from '../helpers/subscriptions';

const SERVICE = 'herald-tracing-test';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The spans as an indented tree (parents by CHILD_OF), links shown: printed for the docs. */
function spanTree(trace: JaegerTrace): string {
  const byParent = new Map<string, JaegerSpan[]>();
  const ids = new Set(trace.spans.map((s) => s.spanID));
  for (const s of trace.spans) {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID ?? '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of (byParent.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      const links = s.references.filter((r) => r.refType === 'FOLLOWS_FROM').length;
      const service = trace.processes[s.processID]?.serviceName;
      lines.push(
        `${'  '.repeat(depth)}${s.operationName}  [${service}, ${(s.duration / 1000).toFixed(1)} ms${links ? `, ${links} link(s)` : ''}]`,
      );
      walk(s.spanID, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}

const parentOf = (s: JaegerSpan) => s.references.find((r) => r.refType === 'CHILD_OF')?.spanID;

void describe('tracing into a real Jaeger', () => {
  let jaeger: Jaeger;
  let stack: Stack;
  const saved = { ...process.env };

  before(
    async () => {
      jaeger = await startJaeger();
      Object.assign(process.env, {
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttp,
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
      assert.ok(await startTracing('herald'), 'tracing starts with OTEL_EXPORTER_OTLP_ENDPOINT set');
      stack = await startStack();
    },
    { timeout: 1_800_000 },
  );
  after(async () => {
    await stack?.close();
    await stopTracing();
    await jaeger?.stop();
    process.env = saved;
  });

  const publish = (path: string, traceparent: string, id: number) =>
    stack.api('POST', path, {
      key: TEST_PUBLISH_KEY,
      headers: { traceparent },
      body: { changes: [{ action: 'update', object: 'training', id, data: { n: id } }] },
    });
  const subscribe = async (events: string[], debounceMs: number, retry?: object) => {
    const created = await stack.api('POST', '/v1/subscriptions', {
      key: TEST_ADMIN_KEY,
      body: {
        name: 'traced partner',
        url: stack.receiver.url,
        events,
        batching: { debounceMs, maxWaitMs: 10_000 },
        ...(retry ? { retry } : {}),
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  /** The trace once every span named is in it (spans arrive in batches from API and worker). */
  const traceWith = async (traceId: string, names: string[]): Promise<JaegerTrace> => {
    let last: JaegerTrace | undefined;
    await waitUntil(async () => {
      await new Promise((r) => setTimeout(r, 250));
      last = await jaeger.trace(traceId);
      const have = new Set(last?.spans.map((s) => s.operationName));
      return names.every((n) => have.has(n));
    }, 30_000).catch(() => {
      throw new Error(
        `trace ${traceId} lacks some of ${names.join(', ')}:\n${last ? spanTree(last) : '(none)'}`,
      );
    });
    return last!;
  };

  void it('one trace from the publisher through the signal, the workflow and the POST', async () => {
    await subscribe(['training.update'], 50);
    const traceId = hex(16);
    const publisherSpan = hex(8);
    const res = await publish('/v1/changes', `00-${traceId}-${publisherSpan}-01`, 1);
    assert.equal(res.status, 202);
    await stack.receiver.waitForRequests(1, 30_000);
    const received = String(stack.receiver.requests[0]!.headers.traceparent ?? '');
    const [, partnerTrace, partnerParent] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(received) ?? [];
    assert.equal(partnerTrace, traceId, `the partner's traceparent joins the publisher's trace: ${received}`);

    const trace = await traceWith(traceId, [
      'POST /v1/changes',
      'herald.signal changes',
      'SignalWorkflow:changes',
      'HandleSignal:changes',
      'StartActivity:deliverFirst',
      'RunActivity:deliverFirst',
      'POST',
    ]);
    console.log(`span tree of trace ${traceId}:\n${spanTree(trace)}`);
    const span = (name: string) => trace.spans.find((s) => s.operationName === name)!;
    const request = span('POST /v1/changes');
    assert.equal(parentOf(request), publisherSpan, "the request span's parent is the publisher's span");
    assert.equal(parentOf(span('herald.signal changes')), request.spanID);
    assert.equal(parentOf(span('SignalWorkflow:changes')), span('herald.signal changes').spanID);
    assert.equal(parentOf(span('HandleSignal:changes')), span('SignalWorkflow:changes').spanID);
    assert.equal(parentOf(span('StartActivity:deliverFirst')), request.spanID);
    assert.equal(parentOf(span('RunActivity:deliverFirst')), span('StartActivity:deliverFirst').spanID);
    const post = span('POST');
    assert.equal(parentOf(post), span('RunActivity:deliverFirst').spanID);
    assert.equal(post.spanID, partnerParent, 'the partner received the POST span as its parent');
    assert.ok(
      post.tags.some((t) => t.key === 'http.response.status_code' && Number(t.value) === 200),
      'the POST span records the answer',
    );
  });

  void it('a batch that merged two requests links to both', async () => {
    const id = await subscribe(['institute.update'], 1_500);
    const before = stack.receiver.requests.length;
    const [a, b] = [hex(16), hex(16)];
    assert.equal((await publish(`/v1/subscriptions/${id}/changes`, `00-${a}-${hex(8)}-01`, 10)).status, 202);
    assert.equal((await publish(`/v1/subscriptions/${id}/changes`, `00-${b}-${hex(8)}-01`, 11)).status, 202);
    await stack.receiver.waitForRequests(before + 1, 30_000);
    const delivered = stack.receiver.requests[before]!;
    assert.equal((delivered.json as { changes: unknown[] }).changes.length, 2, 'one batch carried both');
    assert.match(String(delivered.headers.traceparent), new RegExp(`^00-${a}-`), "the first request's trace");

    const first = await traceWith(a, ['POST /v1/subscriptions/:id/changes', 'POST']);
    const second = await traceWith(b, ['POST /v1/subscriptions/:id/changes']);
    const requestA = first.spans.find((s) => s.operationName === 'POST /v1/subscriptions/:id/changes')!;
    const requestB = second.spans.find((s) => s.operationName === 'POST /v1/subscriptions/:id/changes')!;
    const post = first.spans.find((s) => s.operationName === 'POST')!;
    const links = post.references.filter((r) => r.refType === 'FOLLOWS_FROM');
    console.log(`span tree of trace ${a}:\n${spanTree(first)}`);
    assert.ok(
      links.some((l) => l.traceID === a && l.spanID === requestA.spanID),
      `the POST links to the first request: ${JSON.stringify(post.references)}`,
    );
    assert.ok(
      links.some((l) => l.traceID === b && l.spanID === requestB.spanID),
      `the POST links to the second request: ${JSON.stringify(post.references)}`,
    );
  });

  void it('a retried delivery stays in the trace: the delivery child, its activity, each POST', async () => {
    const id = await subscribe(['trainingpart.deleted'], 50, { initialIntervalMs: 1_000 });
    const before = stack.receiver.requests.length;
    stack.receiver.setStatus((_req, n) => (n === before + 1 ? 500 : 200));
    const traceId = hex(16);
    assert.equal(
      (await publish(`/v1/subscriptions/${id}/changes`, `00-${traceId}-${hex(8)}-01`, 20)).status,
      202,
    );
    await stack.receiver.waitForRequests(before + 2, 30_000);
    stack.receiver.setStatus(200);
    for (const r of stack.receiver.requests.slice(before))
      assert.match(
        String(r.headers.traceparent),
        new RegExp(`^00-${traceId}-`),
        'every attempt joins the trace',
      );
    const trace = await traceWith(traceId, [
      'RunActivity:deliverFirst',
      'StartChildWorkflow:deliveryWorkflow',
      'RunWorkflow:deliveryWorkflow',
      'StartActivity:deliver',
      'RunActivity:deliver',
    ]);
    console.log(`span tree of trace ${traceId}:\n${spanTree(trace)}`);
    const posts = trace.spans.filter((s) => s.operationName === 'POST');
    assert.equal(posts.length, 2, 'both attempts are POST spans');
  });
});
