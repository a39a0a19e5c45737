// The whole Herald stack in one test process: a real Temporal dev
// server, a worker and the API listening on 127.0.0.1, sharing one metrics registry, plus a
// real receiver.
import { startApiServer, type ApiServer } from '../../src/api/server';
import { loadCatalog } from '../../src/catalog/catalog';
import type { HeraldConfig } from '../../src/config';
import { createMetrics, type Metrics } from '../../src/metrics';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { startHeraldWorker } from '../../src/worker';
import { call, type Answer, type CallOptions } from './http';
import { startReceiver, type Receiver } from './receiver';
import { startTemporal, type TemporalHarness } from './temporal';

export type { Json } from './http';

export interface Stack {
  t: TemporalHarness;
  server: ApiServer;
  receiver: Receiver;
  metrics: Metrics;
  api(method: string, path: string, opts?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

export async function startStack(
  opts: {
    dbFilename?: string;
    extraArgs?: string[];
    logger?: object;
    config?: Partial<HeraldConfig>;
    /** False: no worker; the test starts and stops its own with `t.startWorker()`. */
    worker?: boolean;
  } = {},
): Promise<Stack> {
  const t = await startTemporal({
    config: { routingRefreshMs: 300, ...opts.config },
    dbFilename: opts.dbFilename,
    extraArgs: opts.extraArgs,
  });
  const metrics = createMetrics();
  const stops: (() => Promise<unknown>)[] = [() => t.teardown()];
  const close = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    // The harness's startWorker takes no metrics; the worker here shares the API's registry.
    if (opts.worker !== false) {
      const worker = await startHeraldWorker({
        config: t.config,
        address: t.address,
        client: t.client,
        metrics,
      });
      stops.push(() => worker.stop());
    }
    const receiver = await startReceiver();
    stops.push(() => receiver.close());
    const server = await startApiServer({
      config: t.config,
      client: t.client,
      catalog: loadCatalog(t.config.eventCatalogPath),
      codec: createEncryptionCodec(t.config.encryptionKeys),
      metrics,
      logger: opts.logger,
      host: '127.0.0.1',
      port: 0,
    });
    stops.push(() => server.close());
    const api: Stack['api'] = (method, path, o = {}) =>
      call(server.url, method, path, { timeoutMs: 15_000, ...o });
    return { t, server, receiver, metrics, api, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A person.category_added change carrying `email` as its personal data. */
export const personChange = (id: number, email: string) => ({
  action: 'update',
  object: 'person',
  id,
  event: 'person.category_added',
  data: { person: { firstName: 'Ada', email }, category: { name: 'alumni' } },
});
