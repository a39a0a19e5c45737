// Replays recorded histories of real runs (continue-as-new, failed and delivered
// deliveries) against today's workflow code: a non-deterministic change fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { workflowBundle } from '../../src/temporal/bundle';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { heraldSinks } from '../../src/temporal/worker-sinks';
import { installSdkLogger } from '../../src/worker';
import { testConfig } from '../helpers/config';

const DIR = join(__dirname, '..', 'fixtures', 'histories');

describe('replay of recorded histories', () => {
  it('replays every recorded history without a determinism error', { timeout: 120_000 }, async () => {
    installSdkLogger('ERROR');
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    assert.ok(
      files.some((f) => f.startsWith('subscription-')),
      'a subscription history is recorded',
    );
    assert.ok(files.includes('delivery-failed.json'), 'a failed delivery is recorded');
    const histories = files.map(load);
    const continued = histories.filter((h) =>
      h.history.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes),
    );
    assert.ok(continued.length >= 2, 'a run before and one after the fast path ended in continue-as-new');
    // The fast path and the sealed backlog are covered: a local-activity marker, a delivery
    // child after a failed first attempt, and a queued delivery released by its subscription.
    const fast = histories.filter((h) => h.workflowId.startsWith('fast-subscription-'));
    const events = fast.flatMap((h) => h.history.events ?? []);
    assert.ok(
      events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'),
      'a first attempt as a local activity is recorded',
    );
    assert.ok(
      events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes),
      'a fallback to a delivery child is recorded',
    );
    assert.ok(
      events.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'release'),
      'the release of a sealed batch is recorded',
    );
    // Sealed batches on their own task queue (QUEUED_TASK_QUEUE_PATCH), beside the runs before it.
    const queued = histories
      .filter((h) => h.workflowId.startsWith('queued-subscription-'))
      .flatMap((h) => h.history.events ?? []);
    assert.ok(
      queued.some((e) =>
        e.startChildWorkflowExecutionInitiatedEventAttributes?.taskQueue?.name?.endsWith('-queued'),
      ),
      'a sealed batch started on the queued task queue is recorded',
    );
    // Recorded with tracing on (`traced-`): the OpenTelemetry context in the headers, the
    // requests' traceparents in the signals; it must replay untraced here as well.
    const traced = histories.filter((h) => h.workflowId.startsWith('traced-subscription-'));
    const tracedEvents = traced.flatMap((h) => h.history.events ?? []);
    assert.ok(
      tracedEvents.some((e) => e.workflowExecutionSignaledEventAttributes?.header?.fields?.['_tracer-data']),
      'a history recorded with tracing on carries the trace context in its signal headers',
    );
    await replayAll(histories, {});
  });

  // A traced worker runs the same workflow code under OpenTelemetry's workflow interceptors and
  // Herald's (workflows/tracing-interceptors.ts): they must add no command and no yield that
  // changes what a history replays to.
  it(
    'replays every recorded history with the tracing interceptors bundled',
    { timeout: 180_000 },
    async () => {
      installSdkLogger('ERROR');
      const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
      await replayAll(files.map(load), { traced: true });
    },
  );
});

const load = (f: string) => ({
  workflowId: f,
  history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(join(DIR, f), 'utf8'))),
});

/** Replays each history with today's bundle (traced: with the tracing interceptors and a span sink). */
async function replayAll(histories: ReturnType<typeof load>[], { traced = false }): Promise<void> {
  const results = Worker.runReplayHistories(
    {
      workflowBundle: await workflowBundle(undefined, { traced }),
      dataConverter: heraldDataConverter(testConfig().encryptionKeys),
      sinks: {
        ...heraldSinks(),
        ...(traced
          ? {
              exporter: makeWorkflowExporter(
                new SimpleSpanProcessor(new InMemorySpanExporter()),
                Resource.default(),
              ),
            }
          : {}),
      },
    },
    histories,
  );
  let replayed = 0;
  for await (const r of results) {
    assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
    replayed++;
  }
  assert.equal(replayed, histories.length);
}
