// Starts Herald's parts: the embedded Temporal server (when TEMPORAL_ADDRESS is unset), the
// worker and the API, and stops them in the reverse order.
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { loadCatalog } from './catalog/catalog';
import type { HeraldConfig } from './config';
import { createMetrics, type Metrics } from './metrics';
import { startApiServer, type ApiServer } from './api/server';
import { startMetricsServer } from './metrics-server';
import { createTemporalClient } from './temporal/client';
import { codecUiEndpoint, createEncryptionCodec } from './temporal/codec';
import { localUrl } from './local-url';
import { temporalBinary } from './temporal/binaries';
import { startDevServer, waitForTemporal, type DevServer } from './temporal/dev-server';
import { assertTemporalSetup, setRetention } from './temporal/setup';
import { installSdkRuntime, startHeraldWorker, type RunningWorker } from './worker';
import { startTracing, stopTracing } from './tracing';

export type Mode = 'all' | 'api' | 'worker';

/** How long a stopping worker may take before the process goes on without it. */
export const WORKER_STOP_MS = 7_000;

export interface Herald {
  config: HeraldConfig;
  address: string;
  client: Client;
  devServer?: DevServer;
  api?: ApiServer;
  worker?: RunningWorker;
  metrics: Metrics;
  stop(): Promise<void>;
}

/** Pino with every secret-bearing field redacted; request bodies are never logged. */
export function createLogger(config: HeraldConfig, destination?: pino.DestinationStream) {
  return pino(
    {
      level: config.logLevel,
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.token',
          '*.signingSecret',
          '*.secret',
          '*.data',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export async function startHerald(config: HeraldConfig, mode: Mode = 'all'): Promise<Herald> {
  const log = createLogger(config);
  installSdkRuntime({ prometheusBindAddress: config.sdkMetricsAddress });
  const stops: { name: string; run: () => Promise<void> }[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) {
      const t0 = Date.now();
      await s.run().catch((err) => log.error({ err }, `shutdown: ${s.name} failed`));
      log.info(`shutdown: ${s.name} stopped in ${Date.now() - t0} ms`);
    }
  };
  try {
    // Before the client and the worker, which register its interceptors when it is on; flushed
    // last on the way down. OTEL_SERVICE_NAME, when set, names the service instead.
    if (await startTracing(mode === 'all' ? 'herald' : `herald-${mode}`)) {
      log.info('tracing on: spans exported as the OTEL_* variables say');
      stops.push({ name: 'tracing', run: () => stopTracing() });
    }
    let devServer: DevServer | undefined;
    let address = config.temporal.address;
    if (!address && mode === 'all') {
      devServer = await startDevServer({
        cli: temporalBinary('cli'),
        dataDir: config.dataDir,
        port: config.temporalPort,
        uiPort: config.uiPort,
        namespace: config.temporal.namespace,
        codecEndpoint: codecUiEndpoint(localUrl(config.http.host, config.http.port), config.adminKey),
      });
      stops.push({ name: 'embedded Temporal server', run: () => devServer!.stop() });
      address = devServer.address;
    } else if (!address) {
      // `npm run api` / `npm run worker` without TEMPORAL_ADDRESS join the embedded server of an `npm start`.
      address = `127.0.0.1:${config.temporalPort}`;
      await waitForTemporal(address, 30_000);
    }
    const client = await createTemporalClient(config, address);
    stops.push({ name: 'Temporal client', run: () => client.connection.close() });
    // Fail fast: without its namespace and search attributes Herald would start and then only
    // log warnings (or fail every subscription request). `npm run setup:temporal` creates them.
    await assertTemporalSetup(client, address);
    // The embedded server's namespace keeps closed histories HERALD_RETENTION_DAYS when set.
    if (devServer && config.retentionDays) await setRetention(client, config.retentionDays * 86_400_000);
    const metrics = createMetrics({ perSubscription: config.metricsPerSubscription });

    let worker: RunningWorker | undefined;
    if (mode !== 'api') {
      const running = (worker = await startHeraldWorker({ config, address, client, metrics }));
      stops.push({
        name: 'worker',
        run: async () => {
          // A first attempt hanging on the wire (a local activity) holds the worker past its
          // grace time. It is not waited for: its workflow task times out and another worker
          // repeats the attempt with the same webhook-id, as after a crash (docs/operations.md, graceful shutdown).
          if (!(await running.stop(WORKER_STOP_MS)))
            log.warn(
              `worker did not stop within ${WORKER_STOP_MS} ms; leaving its last tasks to other workers`,
            );
        },
      });
      if (mode === 'worker' && config.metricsPort !== undefined) {
        const server = await startMetricsServer(metrics, config.http.host, config.metricsPort);
        stops.push({ name: 'worker metrics server', run: () => server.close() });
        log.info(`worker metrics on ${server.url}/metrics`);
      }
    }
    let api: ApiServer | undefined;
    if (mode !== 'worker') {
      api = await startApiServer({
        config,
        client,
        catalog: loadCatalog(config.eventCatalogPath),
        codec: createEncryptionCodec(config.encryptionKeys),
        metrics,
        logger: log,
        host: config.http.host,
        port: config.http.port,
      });
      stops.push({ name: 'API', run: () => api!.close() });
    }
    return { config, address, client, devServer, api, worker, metrics, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
