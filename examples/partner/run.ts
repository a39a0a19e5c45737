// `npm run example:partner`: an embedded Herald, the fake publisher API and the partner, all
// on free loopback ports with a temporary data directory. Publishes an institute import, a
// training update and a training destroy, and waits after each until the partner's store
// equals the publisher's state. The end-to-end test runs these same functions.
//
// The publisher has many customers (tenants); this partner works for one, TENANT. It subscribes
// with a tenant token the operator issued, as a customer's self-service page would, and the
// publisher tags every change with its tenant. Another tenant's change, published alongside,
// never reaches it: were it delivered, the partner's store would lose a training.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig } from '../../src/config';
import { startHerald, type Herald } from '../../src/runtime';
import type { ReceivedChange } from '../../src/receiver/index';
import { startFakePublisher, type FakePublisher } from './fake-publisher';
import { startPartner, type Partner } from './server';
import type { Catalog } from './store';

export interface Demo {
  herald: Herald;
  publisher: FakePublisher;
  partner: Partner;
  subscriptionId: string;
  publish(changes: PublishedChange[]): Promise<void>;
  stop(): Promise<void>;
}

/** A change as the publisher sends it: what the partner receives, plus routing fields. */
export type PublishedChange = ReceivedChange & { tenant?: string; channels?: string[] };

/** The publisher's customer whose partner this is. */
export const TENANT = 'acme';
export const INSTITUTE = { id: 234234, name: 'Acme Academy' };
export const TRAININGS = [
  { id: 345345, instituteId: INSTITUTE.id, name: 'TypeScript basics', price: 495 },
  { id: 345346, instituteId: INSTITUTE.id, name: 'Temporal in practice', price: 895 },
  { id: 34534, instituteId: INSTITUTE.id, name: 'COBOL for today', price: 250 },
];

/** A port free right now; Temporal's CLI needs a real number, not 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startDemo(
  opts: { log?: (line: string) => void; headerPrefix?: string } = {},
): Promise<Demo> {
  const log = opts.log ?? (() => undefined);
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse())
      await s().catch((err) => log(`shutdown step failed: ${String(err)}`));
  };
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'herald-partner-'));
    stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const publisher = await startFakePublisher({ institutes: [INSTITUTE], trainings: TRAININGS });
    stops.push(() => publisher.close());

    // The partner chooses its secret and token here; without them Herald generates both and
    // shows them once in the answer to the subscription's creation.
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const token = randomBytes(24).toString('base64url');
    const headerPrefix = opts.headerPrefix ?? process.env.HERALD_HEADER_PREFIX ?? 'x-webhook-';
    const partner = await startPartner({ secret, token, headerPrefix, apiBaseUrl: publisher.url, log });
    stops.push(() => partner.close());

    const config = loadConfig({
      HERALD_DATA_DIR: dataDir,
      HERALD_PORT: String(await freePort()),
      HERALD_TEMPORAL_PORT: String(await freePort()),
      HERALD_UI_PORT: String(await freePort()),
      HERALD_API_BASE_URL: publisher.url,
      HERALD_HEADER_PREFIX: headerPrefix,
      HERALD_ALLOW_INSECURE_URLS: 'true',
      HERALD_LOG_LEVEL: 'warn',
    });
    log(`starting Herald (embedded Temporal on ${config.temporalPort}, data in ${dataDir})`);
    const herald = await startHerald(config, 'all');
    stops.push(() => herald.stop());
    const base = herald.api!.url;

    const call = async (path: string, key: string, body: unknown) => {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    // The operator (admin key) issues a short-lived token for the tenant; the subscription made
    // with it is that tenant's, whatever the body says.
    const { token: tenantToken } = await call(`/v1/tenants/${TENANT}/tokens`, config.adminKey, {
      ttlSeconds: 600,
    });
    const subscription = await call('/v1/subscriptions', String(tenantToken), {
      name: 'Example partner',
      url: partner.url,
      events: [
        'institute.import',
        'institute.update',
        'institute.destroy',
        'training.update',
        'training.destroy',
      ],
      token,
      signingSecret: secret,
      // Short waits so the demo is quick; the defaults bundle for 2 s (up to 10 s).
      batching: { debounceMs: 200, maxWaitMs: 1000 },
      retry: { initialIntervalMs: 1000, maximumAttempts: 5, timeoutMs: 5000 },
    });
    const subscriptionId = String(subscription.id);
    log(`Herald ${base}, publisher ${publisher.url}, partner ${partner.url}, subscription ${subscriptionId}`);

    return {
      herald,
      publisher,
      partner,
      subscriptionId,
      // Every change is this tenant's unless it names another.
      publish: async (changes) =>
        void (await call('/v1/changes', config.publishKey, {
          changes: changes.map((c) => ({ tenant: TENANT, ...c })),
        })),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves with the partner's catalogue once it equals the publisher's; rejects after timeoutMs. */
export async function waitForSync(demo: Demo, timeoutMs: number): Promise<Catalog> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const local = demo.partner.store.snapshot();
    if (isDeepStrictEqual(local, demo.publisher.state())) return local;
    if (Date.now() > end)
      throw new Error(
        `the partner did not catch up within ${timeoutMs} ms:\n partner   ${JSON.stringify(local)}\n publisher ${JSON.stringify(demo.publisher.state())}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface StepResult {
  name: string;
  /** The partner differed from the publisher when the change was published. */
  differedBefore: boolean;
  /** From publishing to the partner's store being equal. */
  ms: number;
}

/** The three steps of the Springest text, each waited for before the next. */
export async function runScenario(
  demo: Demo,
  timeoutMs = 30_000,
): Promise<{ steps: StepResult[]; final: Catalog }> {
  const { publisher } = demo;
  const steps: StepResult[] = [];
  const step = async (name: string, mutate: () => void, ...changes: PublishedChange[]) => {
    mutate();
    const differedBefore = !isDeepStrictEqual(demo.partner.store.snapshot(), publisher.state());
    const started = Date.now();
    await demo.publish(changes);
    await waitForSync(demo, timeoutMs);
    steps.push({ name, differedBefore, ms: Date.now() - started });
  };
  await step('import institute 234234', () => undefined, {
    action: 'import',
    object: 'institute',
    id: INSTITUTE.id,
  });
  await step(
    'update training 345345',
    () => publisher.putTraining({ ...TRAININGS[0]!, name: 'TypeScript basics, 2nd edition', price: 545 }),
    { action: 'update', object: 'training', id: 345345 },
    // Another customer's training with the same id space: routed to globex's partners only.
    { action: 'destroy', object: 'training', id: 345346, tenant: 'globex' },
  );
  await step('destroy training 34534', () => publisher.deleteTraining(34534), {
    action: 'destroy',
    object: 'training',
    id: 34534,
  });
  return { steps, final: await waitForSync(demo, timeoutMs) };
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(`  ${line}`);
  const demo = await startDemo({ log });
  const interrupted = () => void demo.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    const { steps, final } = await runScenario(demo);
    for (const s of steps) console.log(`✔ ${s.name}: partner in sync after ${s.ms} ms`);
    console.log(`Partner store (equal to the publisher's API):\n${JSON.stringify(final, null, 2)}`);
    console.log(`Partner stats: ${JSON.stringify(demo.partner.stats)}`);
  } finally {
    process.off('SIGINT', interrupted);
    await demo.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
