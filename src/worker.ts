// Builds the Herald worker: the workflow bundle plus the delivery activity over its deps, on two
// task queues. The main one runs subscriptions and the deliveries they start (a large cache:
// a subscription's history is long to replay). The queued one runs sealed batches waiting
// for their turn (a small cache: such a delivery's history is a few events, cheap to replay,
// while thousands of them in a cache would hold every batch of a backlog in memory).
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { closeActivities, createActivities } from '../activities';
import type { DeliveryMetrics } from '../activities/deliver';
import type { HeraldConfig } from './config';
import { heraldDataConverter } from './temporal/data-converter';
import { connectionOptions } from './temporal/client';
import { workflowBundle } from './temporal/bundle';
import { attemptReporter } from './temporal/gateway';
import { queuedTaskQueue } from '../core/ids';
import { operationalEvents } from './operational-events';
import { tracing } from './tracing';
import { createHttpClient } from './webhook/http-client';
import { inboxTargets } from './inbox-targets';
import { erasureWorker } from './erasure-worker';
import { heraldSinks, type SubscriptionMetrics } from './temporal/worker-sinks';

export interface HeraldWorkerOptions {
  config: HeraldConfig;
  address: string;
  /** Used by the activity to report each attempt to its delivery workflow. */
  client: Client;
  metrics?: DeliveryMetrics & Partial<SubscriptionMetrics>;
}

export async function createHeraldWorker(
  opts: HeraldWorkerOptions,
): Promise<{ workers: Worker[]; connection: NativeConnection; close(): Promise<void> }> {
  const { config, client } = opts;
  const connection = await NativeConnection.connect(connectionOptions(config, opts.address));
  // Tracing on (src/tracing): the traced bundle, activity interceptors, the sink of the
  // workflows' spans, and a webhook client that sends `traceparent`. Off: none of them.
  const traced = tracing();
  const tracedHttp = traced?.httpClient(createHttpClient({ allowInsecure: config.allowInsecureUrls }));
  const activities = createActivities({
    ...(tracedHttp ? { httpClient: tracedHttp } : {}),
    headerPrefix: config.headerPrefix,
    allowInsecureUrls: config.allowInsecureUrls,
    metrics: opts.metrics,
    reportAttempt: attemptReporter(client),
    operations: operationalEvents(config, client),
    inboxTargets: inboxTargets(config, client),
    erasure: erasureWorker(config, client),
  });
  const bundle = await workflowBundle(undefined, { traced: traced !== undefined });
  const tracedOptions = traced?.workerOptions();
  const create = (taskQueue: string, maxCachedWorkflows: number) =>
    Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      workflowBundle: bundle,
      activities,
      dataConverter: heraldDataConverter(config.encryptionKeys),
      // Activities in flight get this long to finish on shutdown, then are cancelled (an attempt
      // cut off is repeated with the same webhook-id). Short, so SIGTERM ends well within 15 s.
      shutdownGraceTime: '5s',
      // Bounded whatever the backlog: a cached subscription holds at most its open window
      // (384 KB) and its retained changes (384 KB), a delivery its batch (≤ 1 MB); an evicted
      // workflow is replayed from its (bounded) history on its next task.
      maxCachedWorkflows,
      ...tracedOptions,
      sinks: { ...tracedOptions?.sinks, ...heraldSinks(opts.metrics) },
    });
  const workers = [
    await create(config.taskQueue, config.maxCachedWorkflows),
    await create(queuedTaskQueue(config.taskQueue), config.maxCachedQueued),
  ];
  // After the worker has stopped: the HTTP client's keep-alive sockets, then the connection.
  const close = async () => {
    await closeActivities(activities);
    await tracedHttp?.close();
    await connection.close();
  };
  return { workers, connection, close };
}

/** A worker that runs, and the one way to stop it that every caller shares. */
export interface RunningWorker {
  /** Settles when the worker has stopped (rejects if it failed on its own). */
  readonly running: Promise<void>;
  /**
   * Shuts down and waits for the tasks in flight, at most `withinMs`; then closes the activity
   * clients and the connection. False when it did not stop in time: the connection is left
   * open, the process is about to end anyway.
   */
  stop(withinMs?: number): Promise<boolean>;
}

export async function startHeraldWorker(opts: HeraldWorkerOptions): Promise<RunningWorker> {
  const { workers, close } = await createHeraldWorker(opts);
  const running = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  return {
    running,
    async stop(withinMs = Number.POSITIVE_INFINITY) {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      const stopped = running.then(
        () => true,
        () => true,
      );
      const ok = await (Number.isFinite(withinMs)
        ? Promise.race([stopped, new Promise<boolean>((r) => setTimeout(() => r(false), withinMs).unref())])
        : stopped);
      if (ok) await close();
      return ok;
    },
  };
}

let sdkRuntimeInstalled = false;
/**
 * Once per process, before any worker or native connection: the SDK's logger (it logs every
 * worker state change at INFO; warnings and errors are what operators need) and, when an
 * address is given, its Prometheus exporter (task slots, poll and schedule-to-start latencies,
 * cache size, sticky hits: what tells whether a worker keeps up).
 */
export function installSdkRuntime(
  opts: { level?: 'WARN' | 'ERROR'; prometheusBindAddress?: string } = {},
): void {
  if (sdkRuntimeInstalled) return;
  sdkRuntimeInstalled = true;
  const metrics = opts.prometheusBindAddress
    ? { prometheus: { bindAddress: opts.prometheusBindAddress } }
    : undefined;
  Runtime.install({
    logger: new DefaultLogger(opts.level ?? 'WARN'),
    ...(metrics ? { telemetryOptions: { metrics } } : {}),
  });
}

export const installSdkLogger = (level: 'WARN' | 'ERROR' = 'WARN'): void => installSdkRuntime({ level });
