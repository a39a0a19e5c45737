// Tracing's pure parts: the W3C contexts a subscription carries with its pending changes
// (core/trace-links.ts), what the group commit hands its signal (the contexts of the
// submissions it holds, none at all with tracing off), and when tracing counts as asked for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addTraceparents, MAX_TRACE_LINKS, parseTraceparent } from '../../core/trace-links';
import { SubscriptionEntity } from '../../core/subscription';
import { GroupCommitter } from '../../src/service/group-commit';
import { startTracing, tracing, tracingRequested } from '../../src/tracing';
import type { Change } from '../../core/types';
import { subscriptionConfig } from '../helpers/subscriptions';

const tp = (n: number, flags = '01') =>
  `00-${n.toString(16).padStart(32, '0')}-${n.toString(16).padStart(16, '0')}-${flags}`;
const change = (id: number): Change => ({ action: 'update', object: 'training', id, data: { id } });

void describe('trace contexts', () => {
  void it('parses version-00 traceparents and refuses anything else', () => {
    assert.deepEqual(parseTraceparent(tp(5)), {
      traceId: '5'.padStart(32, '0'),
      spanId: '5'.padStart(16, '0'),
      traceFlags: 1,
    });
    for (const bad of ['', 'x', tp(0), tp(0xab).toUpperCase(), `01-${tp(1).slice(3)}`, `${tp(1)}-extra`])
      assert.equal(parseTraceparent(bad), undefined, bad);
  });

  void it('keeps the first MAX_TRACE_LINKS distinct, valid contexts', () => {
    const held = addTraceparents([], [tp(1), tp(1), 'junk', 7, tp(2)]);
    assert.deepEqual(held, [tp(1), tp(2)]);
    const full = addTraceparents(
      held,
      Array.from({ length: 100 }, (_, i) => tp(i + 3)),
    );
    assert.equal(full.length, MAX_TRACE_LINKS);
    assert.deepEqual(full.slice(0, 2), [tp(1), tp(2)]);
    assert.equal(addTraceparents(full, [tp(999)]), full, 'nothing added: the same array');
  });

  void it('a subscription carries them across continue-as-new, only when it has some', () => {
    const sub = new SubscriptionEntity(subscriptionConfig('https://partner.example/hook'));
    assert.equal('traceparents' in sub.carry(), false);
    sub.traceparents = addTraceparents(sub.traceparents, [tp(1)]);
    const next = new SubscriptionEntity(sub.config, sub.carry());
    assert.deepEqual(next.traceparents, [tp(1)]);
  });

  void it('the group commit hands a signal its submissions’ contexts, and none without traceOf', async () => {
    const sent: (string[] | undefined)[] = [];
    const send = (_id: string, _changes: Change[], traces?: string[]) => {
      sent.push(traces);
      return Promise.resolve();
    };
    let current = tp(1);
    const traced = new GroupCommitter(send, { traceOf: () => current, gatherMs: 0 });
    const first = traced.submit('s', [change(1)]);
    current = tp(2);
    const second = traced.submit('s', [change(2)]);
    await Promise.all([first, second]);
    assert.deepEqual(sent.flat(), [tp(1), tp(2)]);

    sent.length = 0;
    await new GroupCommitter(send).submit('s', [change(3)]);
    assert.deepEqual(sent, [undefined]);
  });

  void it('is asked for by the standard OTEL_* variables alone', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(
      tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }),
      true,
    );
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(
      tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }),
      false,
    );
    assert.equal(
      tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }),
      false,
    );
  });

  void it('off, nothing of the SDK is loaded and no runtime exists', async () => {
    for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
    assert.equal(await startTracing('herald'), undefined);
    assert.equal(tracing(), undefined);
    const loaded = Object.keys(require.cache).filter((p) =>
      /@opentelemetry[\\/]sdk-|interceptors-opentelemetry/.test(p),
    );
    assert.deepEqual(loaded, [], 'no OpenTelemetry SDK or interceptor module is loaded');
  });
});
