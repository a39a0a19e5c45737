// Issue 9 §7: the soak. Steady random changes over random keys into several subscriptions
// (through the HTTP API, embedded Temporal, in-process worker) with flaky receivers (random
// 500s and timeouts, fixed seed), then a drain; the final state per key at each receiver must
// equal the model. `npm run soak -- --minutes N`; CI runs it for one minute (soak.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHerald } from '../../src/runtime';
import { installSdkLogger } from '../../src/worker';
import type { Change } from '../../core/types';
import { testConfig } from '../helpers/config';
import { createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, seededRandom, startModelReceiver, type ModelReceiver } from './helpers/model';
import { freePort } from './helpers/processes';

export interface SoakOptions {
  minutes: number;
  seed?: number;
  keys?: number;
  drainTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  changes: number;
  requests: number;
  /** POSTs the receivers got: every attempt. */
  attempts: number;
  /** POSTs answered 2xx. */
  posts: number;
  failedAttempts: number;
  deliveries: number;
  drainMs: number;
  /** Keys whose final state at a receiver differs from the model, over all subscriptions. */
  loss: number;
  lost: string[];
}

const SUBSCRIPTIONS = [
  { name: 'all events', events: ['*'] },
  { name: 'trainings', events: ['training.update', 'training.destroy'] },
  { name: 'institutes', events: ['institute.update', 'institute.destroy'] },
];

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const log = opts.log ?? console.log;
  const random = seededRandom(opts.seed ?? 20261122);
  const keys = opts.keys ?? 300;
  installSdkLogger('ERROR'); // failed attempts are expected here by the hundred
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-soak-'));
  const config = testConfig({
    dataDir,
    temporalPort: await freePort(),
    uiPort: await freePort(),
    logLevel: 'error',
  });
  const herald = await startHerald(config, 'all');
  const receivers: ModelReceiver[] = [];
  try {
    const api = herald.api!.url;
    const subs: { rx: ModelReceiver; events: string[] }[] = [];
    for (const s of SUBSCRIPTIONS) {
      // Each receiver fails on its own seeded schedule: 20 % 500s, 5 % never answered.
      const rx = await startModelReceiver(() => {
        const r = random();
        return r < 0.2 ? 'error' : r < 0.25 ? 'hold' : 'ok';
      });
      receivers.push(rx);
      await createSubscription(api, {
        ...s,
        url: rx.url,
        batching: { debounceMs: 200, maxWaitMs: 1000, maxBatchSize: 50 },
        retry: { initialIntervalMs: 200, backoffCoefficient: 2, maximumAttempts: 0, timeoutMs: 1000 },
      });
      subs.push({ rx, events: s.events });
    }

    const model = new Model();
    let changes = 0;
    let requests = 0;
    const end = Date.now() + opts.minutes * 60_000;
    while (Date.now() < end) {
      const batch: Change[] = Array.from({ length: 1 + Math.floor(random() * 8) }, () => {
        const id = 1 + Math.floor(random() * keys);
        return model.change(
          id % 3 === 0 ? 'institute' : 'training',
          id,
          random() < 0.1 ? 'destroy' : 'update',
        );
      });
      await publishUntilAccepted(() => api, batch);
      model.accept(batch);
      changes += batch.length;
      requests++;
      await new Promise((r) => setTimeout(r, 30 + random() * 60));
    }

    const drainStart = Date.now();
    const lost: string[] = [];
    for (const { rx, events } of subs) {
      const wanted = (c: Change) => events.includes('*') || events.includes(`${c.object}.${c.action}`);
      const diff = await rx.converge(model, opts.drainTimeoutMs ?? 120_000, wanted);
      lost.push(...diff.map((d) => `${rx.url} ${d}`));
    }
    const result: SoakResult = {
      changes,
      requests,
      attempts: subs.reduce((n, s) => n + s.rx.receiver.requests.length, 0),
      posts: subs.reduce((n, s) => n + s.rx.acknowledged.length, 0),
      failedAttempts: subs.reduce((n, s) => n + s.rx.receiver.requests.length - s.rx.acknowledged.length, 0),
      deliveries: subs.reduce(
        (n, s) => n + new Set(s.rx.receiver.requests.map((r) => r.headers['webhook-id'])).size,
        0,
      ),
      drainMs: Date.now() - drainStart,
      loss: lost.length,
      lost,
    };
    log(
      `soak ${opts.minutes} min, ${SUBSCRIPTIONS.length} subscriptions, ${keys} keys: ` +
        `changes ${result.changes} in ${result.requests} requests; POSTs delivered ${result.posts} ` +
        `(${result.deliveries} deliveries); attempts ${result.attempts} (${result.failedAttempts} failed); ` +
        `drained in ${result.drainMs} ms; loss ${result.loss}`,
    );
    for (const l of lost.slice(0, 20)) log(`  lost: ${l}`);
    return result;
  } finally {
    for (const rx of receivers) await rx.close();
    await herald.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runSoak({ minutes: arg('minutes') ?? 1, seed: arg('seed'), keys: arg('keys') }).then(
    (r) => process.exit(r.loss === 0 ? 0 : 1),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
