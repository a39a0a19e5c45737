// Phase 2b, ingest with tenants (issue 17): 1,000 tenants × 2 subscriptions (2,000 in all, every
// event), and each request's 100 changes belong to one tenant, the tenant changing from request
// to request. Routing is indexed by tenant, so a change costs the work of its own tenant's 2
// subscriptions, not of 2,000: the figure belongs beside ingest with 1 and 10 subscriptions,
// not beside 100. Same window, concurrency and debounce as phase 2 (nothing is delivered).
import { RoutingTable } from '../../src/service/routing-table';
import { receives } from '../../src/service/routing-rules';
import type { PublicSubscription } from '../../core/types';
import { publicSubscription } from '../../test/helpers/subscriptions';
import { change } from '../api';
import { sleep } from '../pool';
import type { BenchContext } from '../context';
import { CHANGES_PER_REQUEST, publishWindow, type IngestResult } from './ingest';

export const SUBSCRIPTIONS_PER_TENANT = 2;
const KEYS_PER_TENANT = 500;

export interface TenantIngestResult extends IngestResult {
  tenants: number;
  /** Seconds to create the 2,000 subscriptions through the API (8 at a time). */
  setupSeconds: number;
  /** In-process cost of routing one change among these subscriptions: the index, and a scan of all. */
  routingNsPerChange: { indexed: number; scanAll: number };
  /** Herald's /metrics once every subscription's workflow has reported its state (absent before issue 28). */
  metrics?: MetricsScrape;
}

export interface MetricsScrape {
  /** Series in the scrape, and those of one per-subscription gauge (one per subscription heard of). */
  series: number;
  subscriptionSeries: number;
  bytes: number;
  /** The median of three scrapes, from the request to the last byte. */
  ms: number;
}

/** Lines of a /metrics text that are series (not comments). */
const seriesOf = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));
const reported = (lines: string[]) =>
  lines.filter((l) => l.startsWith('herald_subscription_backlog_changes{')).length;

/** Waits (≤ 60 s) until `subscriptions` have reported, then times three scrapes of `base`/metrics. */
export async function scrapeMetrics(
  base: string,
  subscriptions: number,
): Promise<MetricsScrape & { waitedMs: number }> {
  const scrape = async () => (await fetch(`${base}/metrics`)).text();
  const t0 = performance.now();
  while (reported(seriesOf(await scrape())) < subscriptions && performance.now() - t0 < 60_000)
    await sleep(1_000);
  const waitedMs = performance.now() - t0;
  const times: number[] = [];
  let text = '';
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    text = await scrape();
    times.push(performance.now() - t);
  }
  const lines = seriesOf(text);
  return {
    series: lines.length,
    subscriptionSeries: reported(lines),
    bytes: Buffer.byteLength(text),
    ms: Math.round(times.sort((a, b) => a - b)[1] ?? 0),
    waitedMs,
  };
}

/**
 * The routing decision alone, in this process: the table's index against checking every
 * subscription with the rules, over the same subscriptions and changes.
 */
export function routingCost(tenants: number): { indexed: number; scanAll: number } {
  const subs: PublicSubscription[] = Array.from({ length: tenants * SUBSCRIPTIONS_PER_TENANT }, (_, i) =>
    publicSubscription(`s${i}`, ['*'], { tenant: `t${Math.floor(i / SUBSCRIPTIONS_PER_TENANT)}` }),
  );
  const table = new RoutingTable({ list: async () => subs, refreshMs: 60_000 });
  for (const s of subs) table.upsert(s);
  const changes = Array.from({ length: 1000 }, (_, i) => ({
    ...change(i, 0),
    event: 'training.update',
    tenant: `t${i % tenants}`,
  }));
  const time = (fn: (c: (typeof changes)[number]) => number) => {
    let sink = 0;
    const rounds = 20;
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) for (const c of changes) sink += fn(c);
    const ns = Number(process.hrtime.bigint() - t0) / (rounds * changes.length);
    if (sink !== rounds * changes.length * SUBSCRIPTIONS_PER_TENANT)
      throw new Error('routing found the wrong receivers');
    return Math.round(ns);
  };
  return {
    indexed: time((c) => table.match(c.event, c.tenant).length),
    scanAll: time((c) => subs.filter((s) => receives(s, c)).length),
  };
}

export async function measureTenantIngest(ctx: BenchContext): Promise<TenantIngestResult> {
  const tenants = ctx.quick ? 100 : 1_000;
  const subscriptions = tenants * SUBSCRIPTIONS_PER_TENANT;
  const tenantOf = (i: number) => `t${Math.floor(i / SUBSCRIPTIONS_PER_TENANT)}`;
  const t0 = performance.now();
  const ids = await ctx.api.createSubscriptions(subscriptions, (i) => ({
    url: ctx.receiver.urlFor(`tenants-${i}`),
    tenant: tenantOf(i),
    batching: { debounceMs: 60_000, maxWaitMs: 120_000, maxBatchSize: 1000 },
  }));
  const setupSeconds = Math.round((performance.now() - t0) / 100) / 10;
  ctx.log(`  ${subscriptions} subscriptions of ${tenants} tenants created in ${setupSeconds} s`);
  // One body per tenant, so consecutive requests go to different tenants' workflows.
  const bodies = Array.from({ length: tenants }, (_, t) =>
    JSON.stringify({
      changes: Array.from({ length: CHANGES_PER_REQUEST }, (_, j) => ({
        ...change(`k${j % KEYS_PER_TENANT}`, t),
        tenant: `t${t}`,
      })),
    }),
  );
  try {
    const r = await publishWindow(ctx, bodies, SUBSCRIPTIONS_PER_TENANT);
    // Each subscription's workflow reports on its first task: the scrape waits until all have.
    const { waitedMs, ...metrics } = await scrapeMetrics(ctx.apiUrl, subscriptions);
    ctx.log(
      `  /metrics: ${metrics.series} series (${metrics.subscriptionSeries} subscriptions, ` +
        `${Math.round(waitedMs / 1000)} s after the window), ` +
        `${Math.round(metrics.bytes / 1024)} KiB, ${metrics.ms} ms`,
    );
    return { subscriptions, tenants, setupSeconds, routingNsPerChange: routingCost(tenants), metrics, ...r };
  } finally {
    await ctx.api.deleteSubscriptions(ids.filter(Boolean));
  }
}
