// A real Temporal dev server on free ports, started from the binary the project fetched,
// with Herald's search attributes registered, plus a Herald worker on demand.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { tracing } from '../../src/tracing';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import type { HeraldConfig } from '../../src/config';
import { temporalBinary } from '../../src/temporal/binaries';
import { LATENCY_ARGS } from '../../src/temporal/dev-server';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { installSdkLogger, startHeraldWorker } from '../../src/worker';
import { testConfig } from './config';

export const searchAttributeKeys = () => Object.values(SEARCH_ATTRIBUTES);

export interface TemporalHarness {
  env: TestWorkflowEnvironment;
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  config: HeraldConfig;
  startWorker(overrides?: Partial<HeraldConfig>): Promise<{ shutdown(): Promise<void> }>;
  teardown(): Promise<void>;
}

export async function startTemporal(
  opts: { config?: Partial<HeraldConfig>; extraArgs?: string[]; dbFilename?: string } = {},
): Promise<TemporalHarness> {
  installSdkLogger(process.env.HERALD_TEST_SDK_LOGS ? 'WARN' : 'ERROR');
  const config = testConfig(opts.config);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary('cli') },
      ip: '127.0.0.1',
      searchAttributes: searchAttributeKeys(),
      dbFilename: opts.dbFilename,
      extraArgs: [...LATENCY_ARGS, ...(opts.extraArgs ?? [])],
    },
    client: {
      dataConverter: heraldDataConverter(config.encryptionKeys),
      // A test that started tracing (test/integration/tracing.test.ts) gets a traced client.
      ...(tracing() ? { interceptors: tracing()!.clientInterceptors() } : {}),
    },
  });
  const workers: { shutdown(): Promise<void> }[] = [];
  const harness: TemporalHarness = {
    env,
    client: env.client,
    address: env.address,
    namespace: env.namespace ?? 'default',
    taskQueue: config.taskQueue,
    config: { ...config, temporal: { ...config.temporal, address: env.address } },
    async startWorker(overrides = {}) {
      const worker = await startHeraldWorker({
        config: { ...harness.config, ...overrides },
        address: env.address,
        client: env.client,
      });
      const handle = { shutdown: async () => void (await worker.stop()) };
      workers.push(handle);
      return handle;
    },
    async teardown() {
      for (const w of workers.splice(0)) await w.shutdown().catch(() => undefined);
      await env.teardown();
    },
  };
  return harness;
}
