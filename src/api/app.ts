// Builds the HTTP API (never listens: server.ts does, tests use inject). Wires the services,
// the routing table and the group committer, and ties their lifetimes to the app's.
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { EventCatalog } from '../catalog/catalog';
import type { HeraldConfig } from '../config';
import { createMetrics, type Metrics } from '../metrics';
import { TemporalCalls } from '../temporal/calls';
import { DeliveryGateway } from '../temporal/delivery-gateway';
import { ErasureGateway } from '../temporal/erasure-gateway';
import { ErasureService } from '../service/erasures';
import { changesSender, setupProblemWithin, signalOutcome } from '../temporal/gateway';
import { SubscriptionGateway } from '../temporal/subscription-gateway';
import { ChangeRouter } from '../service/changes';
import { DeliveryService } from '../service/deliveries';
import { GroupCommitter } from '../service/group-commit';
import { DEFAULT_MAX_BYTES_PER_SECOND } from '../service/group-commit-options';
import { DEFAULT_MAX_LAG_MS, LagGuard } from '../service/lag-guard';
import { RoutingTable } from '../service/routing-table';
import { SubscriptionService } from '../service/subscriptions';
import { InboxCommitter } from '../service/inbox-committer';
import { InboxGateway } from '../temporal/inbox-gateway';
import { isInboxWorkflowId, INBOX_WORKFLOW_PREFIX } from '../../core/inbox';
import { tracing } from '../tracing';
import { createAuth } from './auth';
import { consoleRoutes } from './console';
import { changeSchemas } from './change-schemas';
import type { ApiContext } from './context';
import { errorServerOptions, installErrorHandling, installJsonParser } from './errors';
import { registerOpenApi } from './openapi';
import { changeRoutes } from './routes/changes';
import { codecRoutes } from './routes/codec';
import { opsRoutes } from './routes/ops';
import { subscriptionActionRoutes } from './routes/subscription-actions';
import { subscriptionRoutes } from './routes/subscriptions';
import { tenantRoutes } from './routes/tenants';
import { erasureRoutes } from './routes/erasures';
import { subscriptionSchemas } from './subscription-schemas';

export interface AppDeps {
  config: HeraldConfig;
  client: Client;
  catalog: EventCatalog;
  codec: PayloadCodec;
  metrics?: Metrics;
  logger?: boolean | object;
  /** Deadline of one Temporal call made for a request (ms). */
  callTimeoutMs?: number;
  /** Least time between two changes signals to one subscription from this process (ms, default 50). */
  groupCommitIntervalMs?: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, client, catalog } = deps;
  const callTimeoutMs = deps.callTimeoutMs ?? 10_000;
  // Fastify 5 takes a ready pino instance only as loggerInstance; options or a boolean as logger.
  const logger = deps.logger;
  const isInstance =
    typeof logger === 'object' &&
    logger !== null &&
    typeof (logger as { child?: unknown }).child === 'function';
  const app = Fastify({
    ...(isInstance ? { loggerInstance: logger as FastifyBaseLogger } : { logger: logger ?? false }),
    bodyLimit: config.http.bodyLimit,
    ...errorServerOptions(config.http.bodyLimit),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, config.http.bodyLimit);
  installJsonParser(app);
  // Tracing on (OTEL_* set, src/tracing): /v1 requests are SERVER spans, and each changes
  // signal carries the trace contexts of the requests it holds. Off: neither hook nor capture.
  const traced = tracing();
  traced?.installHttpServer(app);

  const metrics = deps.metrics ?? createMetrics();
  const calls = new TemporalCalls(client, callTimeoutMs);
  const gateway = new SubscriptionGateway(calls, config.taskQueue);
  const deliveries = new DeliveryGateway(calls);
  // The table reads visibility through the gateway; the services tell it of their writes.
  const routing = new RoutingTable({
    list: () => gateway.list(),
    status: (id) => gateway.runStatus(id),
    recent: () => gateway.recentlyContinued(),
    refreshMs: config.routingRefreshMs,
    log: app.log,
    onBroken: (n) => metrics.subscriptionsBroken.set(n),
    onDisabled: (n) => metrics.subscriptionsDisabled.set(n),
  });
  const subscriptions = new SubscriptionService({ gateway, deliveries, routing });
  const committer = new GroupCommitter(changesSender(client, callTimeoutMs), {
    minIntervalMs: deps.groupCommitIntervalMs ?? config.groupCommitIntervalMs,
    maxBytesPerSecond: config.subscriptionMaxBytesPerSec,
    maxQueueMs: config.subscriptionMaxQueueMs,
    ...(traced ? { traceOf: () => traced.traceparent() } : {}),
    onSignal: ({ submissions, ok, error }) => {
      metrics.signalsSent.inc({ outcome: signalOutcome(ok, error) });
      if (ok) metrics.groupCommitBatchSize.observe(submissions);
    },
  });
  // Looked at after a second's worth of bytes (the per-subscription rate), at most once a second;
  // refused past HERALD_SUBSCRIPTION_MAX_LAG_MS worth of that rate not yet taken by the workflow.
  const bytesPerSec = config.subscriptionMaxBytesPerSec ?? DEFAULT_MAX_BYTES_PER_SECOND;
  const maxLagMs = config.subscriptionMaxLagMs ?? DEFAULT_MAX_LAG_MS;
  const inboxes = new InboxGateway(client, config.taskQueue, callTimeoutMs, config.ingest?.handoffMs);
  const pendingTask = (id: string) =>
    isInboxWorkflowId(id)
      ? inboxes.pendingTask(Number(id.slice(INBOX_WORKFLOW_PREFIX.length)))
      : gateway.pendingTask(id);
  const lagGuard = new LagGuard(pendingTask, {
    maxUntakenBytes: (maxLagMs / 1000) * bytesPerSec,
    checkBytes: bytesPerSec,
    recheckMs: 1_000,
    onError: (id, err) => app.log.warn({ subscription: id, err: String(err) }, 'lag check failed'),
    onBehind: (id, untakenBytes, task) =>
      app.log.warn(
        {
          subscription: id,
          untakenBytes,
          waitingSince: task.since && new Date(task.since).toISOString(),
          task: task.detail,
        },
        'subscription behind: its workflow has not taken what was signalled to it; its changes are refused with 503 until it does',
      ),
  });
  metrics.readSubscriptionsBehind(() => lagGuard.behind);
  // HERALD_INGEST=inbox: one signal per inbox shard per round instead of one per subscription.
  const inbox =
    config.ingest?.mode === 'inbox'
      ? new InboxCommitter((shard, round) => inboxes.send(shard, round), {
          shards: config.ingest.shards,
          minIntervalMs: config.ingest.intervalMs,
          maxBytesPerSecond: bytesPerSec,
          maxQueueMs: config.subscriptionMaxQueueMs ?? 5_000,
          lagGuard,
          backlog: async (shard) => (await inboxes.status(shard)).backlogChars,
          onSignal: ({ submissions, ok, error }) => {
            metrics.signalsSent.inc({ outcome: signalOutcome(ok, error) });
            if (ok) metrics.groupCommitBatchSize.observe(submissions);
          },
        })
      : undefined;
  const ctx: ApiContext = {
    config,
    catalog,
    metrics,
    auth: createAuth(config),
    subscriptions,
    deliveries: new DeliveryService({ gateway, deliveries, catalog, subscriptions }),
    changes: new ChangeRouter({
      gateway,
      catalog,
      routing,
      committer,
      metrics,
      lagGuard,
      heal: (id) => subscriptions.heal(id),
      inbox,
    }),
    schemas: {
      subscription: subscriptionSchemas({ catalog, allowInsecureUrls: config.allowInsecureUrls }),
      change: changeSchemas({ catalog, changeUrls: config.changeUrls }),
    },
  };

  await registerOpenApi(app, config.http.bodyLimit);

  await app.register(subscriptionRoutes, { ctx });
  await app.register(subscriptionActionRoutes, { ctx });
  await app.register(tenantRoutes, { ctx });
  const erasures = new ErasureService(new ErasureGateway(calls, config.taskQueue), config.adminKey);
  await app.register(erasureRoutes, { ctx, erasures });
  await app.register(changeRoutes, { ctx });
  await app.register(opsRoutes, { ctx, setupProblem: (ms) => setupProblemWithin(client, ms) });
  await app.register(codecRoutes, { ctx, codec: deps.codec });
  await app.register(consoleRoutes, { config });

  app.addHook('onReady', async () => routing.start());
  app.addHook('onClose', async () => {
    routing.stop();
    // In-flight publish requests have already finished; this catches signals still queued.
    await committer.drain();
    await inbox?.drain();
  });
  return app;
}
