// The whole Herald stack in one test process: a real Temporal dev
// server, a worker and the API listening on 127.0.0.1, sharing one metrics registry, plus a
// real receiver.
import { startApiServer, type ApiServer } from '../../src/api/server';
import { loadCatalog } from '../../src/catalog/catalog';
import type { HeraldConfig } from '../../src/config';
import { createMetrics, type Metrics } from '../../src/metrics';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { createHeraldWorker } from '../../src/worker';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from './config';
import { startReceiver, type Receiver } from './receiver';
import { startTemporal, type TemporalHarness } from './temporal';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Stack {
  t: TemporalHarness;
  server: ApiServer;
  receiver: Receiver;
  metrics: Metrics;
  api(
    method: string,
    path: string,
    opts?: { key?: 'admin' | 'publish' | string; body?: unknown },
  ): Promise<{ status: number; text: string; body: Json }>;
  close(): Promise<void>;
}

export async function startStack(
  opts: { dbFilename?: string; extraArgs?: string[]; logger?: object; config?: Partial<HeraldConfig> } = {},
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
    const { worker, close: closeWorker } = await createHeraldWorker({
      config: t.config,
      address: t.address,
      client: t.client,
      metrics,
    });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await closeWorker();
    });
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
    const api: Stack['api'] = async (method, path, o = {}) => {
      const headers: Record<string, string> = {};
      const key = o.key === 'admin' ? TEST_ADMIN_KEY : o.key === 'publish' ? TEST_PUBLISH_KEY : o.key;
      if (key) headers.authorization = `Bearer ${key}`;
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(server.url + path, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
      return { status: res.status, text, body: (isJson && text ? JSON.parse(text) : {}) as Json };
    };
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
