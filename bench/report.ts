// The run's results: one JSON document (bench/results/<timestamp>.json, and bench/baseline.json
// on --update-baseline) and the table printed at the end, engine limit beside the ingest figures.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { EngineResult } from './engine';
import type { CoalescingResult } from './phases/coalescing';
import { SINGLE_CONCURRENCY, type IngestResult } from './phases/ingest';
import type { LatencyResult } from './phases/latency';
import type { MemoryResult } from './phases/memory';
import type { RecoveryResult } from './phases/recovery';
import type { TenantIngestResult } from './phases/tenants';
import type { BacklogResult } from './phases/backlog';
import type { FanoutResult } from './phases/fanout';
import type { SteadyResult } from './phases/steady';

export interface BenchResults {
  mode: 'full' | 'quick';
  /** The dev server's SQLite `synchronous` pragma (FULL in production). */
  sqliteSynchronous: string;
  startedAt: string;
  seconds: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; freeGb: number; node: string };
  loadAverage: { before: number[]; after: number[] };
  engine: EngineResult;
  ingest: (IngestResult & { ratioToEngine: number })[];
  /** Absent in results written before tenants (issue 17). */
  tenantIngest?: TenantIngestResult;
  latency: LatencyResult;
  coalescing: CoalescingResult;
  memory: MemoryResult;
  /** Absent in results written before the cache knob existed. */
  memoryCapped?: MemoryResult;
  recovery: RecoveryResult;
  /** Absent in results written before the fast path and the bounded backlog (issues 13, 14). */
  singleIngest?: IngestResult & { perRequest: number; concurrency: number };
  fanout?: FanoutResult[];
  steady?: SteadyResult;
  backlog?: BacklogResult;
  /** 503 temporal_unavailable answers the bench retried (a signal past its deadline). */
  unavailableRetries?: number;
}

export function machine(): BenchResults['machine'] {
  const gb = (b: number) => Math.round((b / 1024 ** 3) * 10) / 10;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: gb(totalmem()),
    freeGb: gb(freemem()),
    node: process.version,
  };
}

export const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** Rows of [measure, value, beside it (engine limit or bound), target, baseline value]. */
export function tableRows(r: BenchResults, base?: BenchResults): string[][] {
  const rows: string[][] = [];
  const e = r.engine;
  rows.push([
    '1 engine: handle.signal → 1 no-op workflow',
    `${n(e.oneWorkflow)} signals/s`,
    '',
    '',
    base ? `${n(base.engine.oneWorkflow)}` : '',
  ]);
  rows.push([
    '1 engine: handle.signal → 10 no-op workflows',
    `${n(e.tenWorkflows)} signals/s`,
    '',
    '',
    base ? `${n(base.engine.tenWorkflows)}` : '',
  ]);
  if (e.roundsOfTen !== undefined)
    rows.push([
      '1 engine: rounds of 10 signals, one per no-op workflow',
      `${n(e.roundsOfTen)} rounds/s`,
      `× ${SINGLE_CONCURRENCY} in flight = ${n(e.roundsOfTen * SINGLE_CONCURRENCY)} changes/s: ceiling of 2c`,
      '',
      base?.engine.roundsOfTen !== undefined ? n(base.engine.roundsOfTen) : '',
    ]);
  for (const i of r.ingest) {
    const b = base?.ingest.find((x) => x.subscriptions === i.subscriptions);
    const row = ingestRow(i);
    row[2] = `engine ${n(i.subscriptions === 1 ? e.oneWorkflow : e.tenWorkflows)} sig/s → ×${i.ratioToEngine}; ${row[2]}`;
    rows.push([...row, b ? n(b.changesPerSecond) : '']);
  }
  if (r.tenantIngest) {
    const b = base?.tenantIngest;
    const ten = r.ingest.find((x) => x.subscriptions === 10);
    const row = tenantIngestRow(r.tenantIngest);
    if (ten) row[2] += `; 10 subs: ${n(ten.changesPerSecond)}/s`;
    rows.push([...row, b ? n(b.changesPerSecond) : '']);
  }
  const l = r.latency;
  rows.push([
    `3 added latency (500/s, 10 subs, debounce ${l.debounceMs})`,
    `p50 ${l.p50Ms} / p95 ${l.p95Ms} / p99 ${l.p99Ms} ms`,
    `unloaded p50 ${l.unloadedP50Ms} ms; ${n(l.receipts)} receipts, ${l.batches} POSTs`,
    'p99 ≤ 250 ms',
    base ? `p99 ${base.latency.p99Ms}` : '',
  ]);
  const c = r.coalescing;
  rows.push([
    `4 coalescing: ${n(c.changes)} changes / ${n(c.keys)} keys`,
    `${n(c.deliveredPerSubscription)} changes, ${c.postsPerSubscription} POSTs per sub`,
    `×${c.coalescingFactor} fewer; drained ${c.drainSeconds} s`,
    '',
    base ? `${n(base.coalescing.deliveredPerSubscription)}, ${base.coalescing.postsPerSubscription}` : '',
  ]);
  const m = r.memory;
  rows.push([
    `5 memory: worker with ${n(m.subscriptions)} idle subs`,
    `RSS ${m.rssMb} MB (heap ${m.heapUsedMb} MB)`,
    `${m.perSubscriptionKb} KB/sub over ${m.baselineRssMb} MB base`,
    m.subscriptions === 1000 ? '≤ 200 MB' : '',
    base ? `${base.memory.rssMb} MB` : '',
  ]);
  const mc = r.memoryCapped;
  if (mc) {
    rows.push([
      `5 memory, cache capped at ${mc.maxCachedWorkflows}`,
      `RSS ${mc.rssMb} MB (heap ${mc.heapUsedMb} MB)`,
      `${mc.perSubscriptionKb} KB/sub over ${mc.baselineRssMb} MB base`,
      mc.subscriptions === 1000 ? '≤ 200 MB' : '',
      base?.memoryCapped ? `${base.memoryCapped.rssMb} MB` : '',
    ]);
  }
  const v = r.recovery;
  rows.push([
    `6 recovery: ${v.outageSeconds} s of 503, ${n(v.changes)} changes`,
    `all final ${n(v.drainMs)} ms after up`,
    `next attempt + 2×debounce ${n(v.expectedBoundMs)} ms; interval + 2×debounce ${n(v.intervalBoundMs)} ms`,
    '≤ 2×debounce + interval',
    base ? `${n(base.recovery.drainMs)} ms` : '',
  ]);
  rows.push(...fastPathRows(r, base));
  return rows;
}

/** Issues 13 and 14: one change per request, fan-out, steady latency, a huge backlog. */
function fastPathRows(r: BenchResults, base?: BenchResults): string[][] {
  const rows: string[][] = [];
  const si = r.singleIngest;
  if (si)
    rows.push([
      `2c ingest: ${si.subscriptions} subs, 1 change/req, conc. ${si.concurrency}`,
      `${n(si.changesPerSecond)} changes/s`,
      `p50 ${si.requestP50Ms} / p99 ${si.requestP99Ms} ms; Herald ${n(si.signalsPerSecond)} sig/s × ${si.changesPerSignal}`,
      '≥ 2,000',
      base?.singleIngest ? n(base.singleIngest.changesPerSecond) : '',
    ]);
  for (const f of r.fanout ?? []) {
    const b = base?.fanout?.find((x) => x.subscriptions === f.subscriptions);
    rows.push([
      `7 fan-out: ${n(f.subscriptions)} subs × ${n(f.changes)} changes`,
      `all delivered in ${f.allDeliveredSeconds} s`,
      `${n(f.deliveries)} POSTs, ${n(f.deliveriesPerSecond)}/s; ${f.eventsPerBatch} events/batch`,
      f.subscriptions >= 200 ? '≤ 10 s' : f.subscriptions >= 100 ? '≤ 5 s' : '',
      b ? `${b.allDeliveredSeconds} s` : '',
    ]);
  }
  const st = r.steady;
  if (st)
    rows.push([
      `8 steady: 1 sub, ${st.changesPerSecond}/s, 1/req, debounce 0`,
      `p50 ${st.p50Ms} / p99 ${st.p99Ms} ms`,
      `${n(st.receipts)} receipts, ${st.batches} POSTs; ${st.eventsPerBatch} events/batch`,
      'p50 ≤ 30, p99 ≤ 100; ≤ 8 ev.',
      base?.steady ? `p50 ${base.steady.p50Ms} / p99 ${base.steady.p99Ms}` : '',
    ]);
  const bl = r.backlog;
  if (bl)
    rows.push([
      `9 backlog: ${n(bl.keys)} keys during an outage`,
      `${n(bl.changesPerSecond)} changes/s in; final ${bl.recoverySeconds} s after up`,
      `peak RSS ${bl.peakRssMb} MB; longest task ${bl.maxWorkflowTaskMs} ms; slowest replay ${bl.maxReplayMs ?? '?'} ms; largest payload ${bl.maxPayloadKb} KB (${bl.maxPayloadAt}); ${n(bl.batches)} batches; ${n(bl.busyRefusals ?? 0)} busy 503s`,
      'task ≤ 2 s; payload ≤ 1 MB',
      base?.backlog ? `${base.backlog.recoverySeconds} s` : '',
    ]);
  return rows;
}

/** [measure, value, beside it, target] of one ingest figure. */
export function ingestRow(i: IngestResult): string[] {
  return [
    `2 ingest: ${i.subscriptions} subscription(s), 100/req, conc. 8`,
    `${n(i.changesPerSecond)} changes/s`,
    `Herald ${n(i.signalsPerSecond)} sig/s × ${i.changesPerSignal}` +
      (i.busyRefusals ? `; ${n(i.busyRefusals)} busy 503s (p99 ${n(i.requestP99Ms)} ms)` : ''),
    i.subscriptions === 10 ? '≥ 20,000' : '',
  ];
}

export function tenantIngestRow(t: TenantIngestResult): string[] {
  return [
    `2b ingest: ${n(t.tenants)} tenants × 2 subs (${n(t.subscriptions)}), 1 tenant/req`,
    `${n(t.changesPerSecond)} changes/s`,
    `${n(t.routedPerSecond)} routed/s; Herald ${n(t.signalsPerSecond)} sig/s × ${t.changesPerSignal}; ` +
      `routing ${n(t.routingNsPerChange.indexed)} ns/change (scan of all: ${n(t.routingNsPerChange.scanAll)})` +
      (t.metrics
        ? `; /metrics ${n(t.metrics.series)} series, ${n(Math.round(t.metrics.bytes / 1024))} KiB, ${t.metrics.ms} ms`
        : ''),
    '',
  ];
}

export function formatTable(r: BenchResults, base?: BenchResults): string {
  const header = ['measure', 'value', 'beside it', 'target', base ? 'baseline' : ''];
  const rows = [header, ...tableRows(r, base)];
  const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const m = r.machine;
  return [
    `Herald benchmark (${r.mode}, SQLite synchronous=${r.sqliteSynchronous}), ${r.startedAt}, ${r.seconds} s`,
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}; load average before ${r.loadAverage.before.join(' ')}, after ${r.loadAverage.after.join(' ')}`,
    '',
    line(rows[0]!),
    widths
      .map((w) => '-'.repeat(w))
      .join('  ')
      .trimEnd(),
    ...rows.slice(1).map(line),
    ...(r.unavailableRetries
      ? ['', `${r.unavailableRetries} request(s) answered 503 temporal_unavailable and retried after 1 s`]
      : []),
  ].join('\n');
}
