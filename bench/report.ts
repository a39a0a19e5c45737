// The run's results: one JSON document (bench/results/<timestamp>.json, and bench/baseline.json
// on --update-baseline) and the table printed at the end, engine limit beside the ingest figures.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { EngineResult } from './engine';
import type { CoalescingResult } from './phases/coalescing';
import type { IngestResult } from './phases/ingest';
import type { LatencyResult } from './phases/latency';
import type { MemoryResult } from './phases/memory';
import type { RecoveryResult } from './phases/recovery';
import type { TenantIngestResult } from './phases/tenants';

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
  return rows;
}

/** [measure, value, beside it, target] of one ingest figure. */
export function ingestRow(i: IngestResult): string[] {
  return [
    `2 ingest: ${i.subscriptions} subscription(s), 100/req, conc. 8`,
    `${n(i.changesPerSecond)} changes/s`,
    `Herald ${n(i.signalsPerSecond)} sig/s × ${i.changesPerSignal}`,
    i.subscriptions === 10 ? '≥ 20,000' : '',
  ];
}

export function tenantIngestRow(t: TenantIngestResult): string[] {
  return [
    `2b ingest: ${n(t.tenants)} tenants × 2 subs (${n(t.subscriptions)}), 1 tenant/req`,
    `${n(t.changesPerSecond)} changes/s`,
    `${n(t.routedPerSecond)} routed/s; Herald ${n(t.signalsPerSecond)} sig/s × ${t.changesPerSignal}; ` +
      `routing ${n(t.routingNsPerChange.indexed)} ns/change (scan of all: ${n(t.routingNsPerChange.scanAll)})`,
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
  ].join('\n');
}
