// `npm run bench` (full, ≤ 5 min on 2 cores) and `npm run bench -- --quick` (≤ 60 s, for CI).
// Starts its own Temporal dev server on free ports in a temp dir, Herald as a child process
// (API + worker, like `npm start` against that server) and a receiver on 127.0.0.1:0; runs the
// phases; prints the table and writes bench/results/<timestamp>.json. Flags:
//   --quick            scaled-down run
//   --update-baseline  also write bench/baseline.json
//   --cpu-prof         profile the Herald child (`node --cpu-prof`) into bench/results/
//   --sqlite-sync=X    the dev server's SQLite `synchronous` (default FULL, as in production)
//   --only=tenants     only ingest with 10 subscriptions and with 1,000 tenants × 2, side by
//                      side (100 tenants with --quick); prints them, writes no results file
//   --only=fastpath    only the phases of issue 14 (ingest, fan-out, latency); prints them
//   --only=backlog     only the backlog phase of issue 13; prints it
//   --only=ingest      only the engine limit and ingest (10 and 100 subscriptions, one change
//                      per request); prints them
//   --only=latency     only the added-latency phase (3); prints it
//   --only=coalescing  only the coalescing phase (4); prints it
//   --tracing          Herald traced at 100 % sampling, exporting OTLP/HTTP to a sink on
//                      127.0.0.1 that only counts (bench/otlp-sink.ts); with any --only=, so
//                      the same phases can be compared with and without it. Without the flag
//                      no OTEL_* variable reaches Herald: tracing off, as by default
//   --cluster          with --only=ingest or --only=fastpath: Temporal as docker-compose.yml
//                      deploys it (four services on PostgreSQL, built like the cluster test's)
//                      instead of the embedded dev server
// Exits non-zero only when the benchmark breaks (an exception, a lost change), never on timings.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HeraldApi } from './api';
import { newKeys, startHeraldChild, startTemporalServer, type HeraldChild } from './cluster';
import type { BenchContext } from './context';
import { measureEngine } from './engine';
import { measureCoalescing } from './phases/coalescing';
import { INGEST_CONCURRENCY, measureIngest, WIDE_CONCURRENCY } from './phases/ingest';
import { measureLatency } from './phases/latency';
import { CAPPED_CACHE, measureMemory } from './phases/memory';
import { measureRecovery } from './phases/recovery';
import { measureTenantIngest } from './phases/tenants';
import { measureBacklog } from './phases/backlog';
import { measureFanout } from './phases/fanout';
import { measureSteady } from './phases/steady';
import { Client, Connection } from '@temporalio/client';
import { heraldDataConverter } from '../src/temporal/data-converter';
import { createEncryptionCodec } from '../src/temporal/codec';
import { HISTORY_PAGE_BYTES } from '../src/temporal/client';
import { startBenchReceiver, type BenchReceiver } from './receiver';
import { round } from './pool';
import { formatTable, ingestRow, load, machine, tenantIngestRow, type BenchResults } from './report';
import { startPgTemporal, type BenchTemporal } from './pg-temporal';
import { startOtlpSink, type OtlpSink } from './otlp-sink';

const BENCH_DIR = __dirname;
const RESULTS_DIR = join(BENCH_DIR, 'results');
const BASELINE = join(BENCH_DIR, 'baseline.json');

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  let sync = 'FULL';
  for (const a of args) {
    if (a.startsWith('--sqlite-sync=')) sync = a.slice('--sqlite-sync='.length).toUpperCase();
    else if (
      [
        '--only=tenants',
        '--only=fastpath',
        '--only=backlog',
        '--only=ingest',
        '--only=latency',
        '--only=coalescing',
      ].includes(a)
    )
      continue;
    else if (!['--quick', '--update-baseline', '--cpu-prof', '--cluster', '--tracing'].includes(a))
      throw new Error(`unknown flag ${a}`);
  }
  const onCluster = args.has('--cluster');
  if (onCluster && !args.has('--only=ingest') && !args.has('--only=fastpath'))
    throw new Error('--cluster runs with --only=ingest or --only=fastpath');
  if (!['FULL', 'NORMAL', 'OFF'].includes(sync)) throw new Error(`--sqlite-sync must be FULL, NORMAL or OFF`);
  const quick = args.has('--quick');
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const t0 = Date.now();
  const loadBefore = load();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const cpuProfDir = args.has('--cpu-prof') ? resolve(RESULTS_DIR, `prof-${stamp}`) : undefined;
  const log = (line: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);

  let server: BenchTemporal | undefined;
  let herald: HeraldChild | undefined;
  let receiver: BenchReceiver | undefined;
  let closeConnection: (() => Promise<void>) | undefined;
  let api: HeraldApi | undefined;
  let otlp: OtlpSink | undefined;
  const cleanup = async () => {
    await api?.close().catch(() => undefined);
    await closeConnection?.().catch(() => undefined);
    await herald?.stop().catch(() => undefined);
    if (otlp) {
      const { exports, bytes } = otlp.stats();
      log(`tracing on: ${exports} OTLP exports, ${(bytes / 1024).toFixed(0)} KiB of spans sent`);
      await otlp.close().catch(() => undefined);
    }
    await receiver?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    if (onCluster) {
      log(`${quick ? 'quick' : 'full'} run; Temporal cluster on PostgreSQL in ${dataDir}`);
      server = await startPgTemporal(dataDir, log);
    } else {
      log(`${quick ? 'quick' : 'full'} run; Temporal dev server (SQLite synchronous=${sync}) in ${dataDir}`);
      const dev = await startTemporalServer(join(dataDir, 'temporal'), sync);
      server = {
        address: dev.address,
        pids: { temporal: dev.process.pid },
        mainPid: dev.process.pid,
        stop: () => dev.stop(),
      };
    }
    const keys = newKeys();
    const recv = (receiver = await startBenchReceiver());
    if (args.has('--tracing')) otlp = await startOtlpSink();
    // Off unless --tracing: OTEL_* of the shell that ran the bench would otherwise reach Herald.
    const otelEnv = Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => k.startsWith('OTEL_'))
        .map((k) => [k, '']),
    );
    const child = (herald = await startHeraldChild({
      env: { ...otelEnv, ...otlp?.env },
      mode: 'all',
      address: server.address,
      taskQueue: 'bench',
      keys,
      dataDir: join(dataDir, 'herald'),
      cpuProfDir,
    }));
    const connection = await Connection.connect({
      address: server.address,
      channelArgs: { 'grpc.max_receive_message_length': HISTORY_PAGE_BYTES },
    });
    closeConnection = () => connection.close();
    const ctx: BenchContext = {
      temporal: new Client({ connection, dataConverter: heraldDataConverter(keys.encryptionKey) }),
      api: (api = new HeraldApi(child.url!, keys.adminKey, keys.publishKey)),
      apiUrl: child.url!,
      pids: { ...server.pids, herald: child.process.pid, bench: process.pid },
      receiver: recv,
      quick,
      log,
      heraldMemory: () => child.memory(),
    };

    if (args.has('--only=tenants')) {
      log('2 ingest, 10 subscriptions');
      const ten = await measureIngest(ctx, 10);
      log(`2b ingest, ${quick ? 100 : 1000} tenants × 2 subscriptions`);
      const tenants = await measureTenantIngest(ctx);
      console.log(`\n${ingestRow(ten).join('  ')}\n${tenantIngestRow(tenants).join('  ')}\n`);
      console.log(JSON.stringify({ ingest10: ten, tenants }, null, 2));
      return;
    }
    if (args.has('--only=fastpath')) {
      const out: Record<string, unknown> = {};
      out.ingest10 = await measureIngest(ctx, 10);
      out.ingest100 = await measureIngest(ctx, 100);
      out.single = await measureIngest(ctx, 10, { single: true });
      out.fanout = [await measureFanout(ctx, quick ? 20 : 200, quick ? 200 : 1000)];
      if (!quick) (out.fanout as unknown[]).push(await measureFanout(ctx, 100, 1000));
      out.steady = await measureSteady(ctx);
      out.latency = await measureLatency(ctx);
      console.log(JSON.stringify(out, null, 2));
      return;
    }
    if (args.has('--only=ingest')) {
      const out = {
        engine: await measureEngine(server.address, {
          concurrency: INGEST_CONCURRENCY,
          durationMs: 5_000,
          pids: server.pids,
        }),
        ingest10: await measureIngest(ctx, 10),
        ingest100: await measureIngest(ctx, 100),
        single: await measureIngest(ctx, 10, { single: true }),
        // Beside it: the same publisher with 4 × the requests in flight, and one subscription.
        singleWide: await measureIngest(ctx, 10, { single: true, concurrency: WIDE_CONCURRENCY }),
        single1: await measureIngest(ctx, 1, { single: true }),
      };
      console.log(JSON.stringify(out, null, 2));
      return;
    }
    if (args.has('--only=coalescing')) {
      console.log(JSON.stringify(await measureCoalescing(ctx), null, 2));
      return;
    }
    if (args.has('--only=latency')) {
      console.log(JSON.stringify(await measureLatency(ctx), null, 2));
      return;
    }
    if (args.has('--only=backlog')) {
      console.log(
        JSON.stringify(
          await measureBacklog(ctx, createEncryptionCodec(keys.encryptionKey), keys.encryptionKey),
          null,
          2,
        ),
      );
      return;
    }
    log('1 engine limit');
    const engine = await measureEngine(server.address, {
      pids: server.pids,
      concurrency: INGEST_CONCURRENCY,
      durationMs: quick ? 1_500 : 5_000,
    });
    const ingest = [];
    for (const subs of [1, 10, 100]) {
      log(`2 ingest, ${subs} subscription(s)`);
      const r = await measureIngest(ctx, subs);
      const limit = subs === 1 ? engine.oneWorkflow : engine.tenWorkflows;
      ingest.push({ ...r, ratioToEngine: round(r.changesPerSecond / limit, 1) });
    }
    log('2c ingest, 10 subscriptions, one change per request');
    const singleIngest = await measureIngest(ctx, 10, { single: true });
    log(`2b ingest, ${quick ? 100 : 1000} tenants × 2 subscriptions`);
    const tenantIngest = await measureTenantIngest(ctx);
    const fanout = [];
    for (const [subs, changes] of quick
      ? [[20, 200]]
      : [
          [200, 1000],
          [100, 1000],
        ]) {
      log(`7 fan-out, ${subs} subscriptions × ${changes} changes`);
      fanout.push(await measureFanout(ctx, subs!, changes!));
    }
    log('8 steady latency, debounce 0');
    const steady = await measureSteady(ctx);
    log('3 added latency');
    const latency = await measureLatency(ctx);
    log('4 coalescing');
    const coalescing = await measureCoalescing(ctx);
    log('6 recovery');
    const recovery = await measureRecovery(ctx);
    log('5 memory');
    const srv = server;
    const memoryRun = (cache?: number) =>
      measureMemory({
        address: srv.address,
        keys,
        dataDir: join(dataDir, `memory-worker-${cache ?? 'default'}`),
        url: recv.urlFor('memory'),
        quick,
        serverPid: srv.mainPid,
        maxCachedWorkflows: cache,
      });
    const memory = await memoryRun();
    // The same with the workflow cache capped (HERALD_MAX_CACHED_WORKFLOWS): the memory knob.
    const memoryCapped = await memoryRun(CAPPED_CACHE);
    // Last: it leaves a database of a million keys' histories behind, which slows every later
    // phase's engine (a full run once lost a signal deadline in the phase after it).
    log(`9 backlog of ${quick ? '20,000' : '1,000,000'} keys during an outage`);
    const backlog = await measureBacklog(ctx, createEncryptionCodec(keys.encryptionKey), keys.encryptionKey);

    const results: BenchResults = {
      mode: quick ? 'quick' : 'full',
      sqliteSynchronous: sync,
      startedAt: startedAt.toISOString(),
      seconds: round((Date.now() - t0) / 1000, 1),
      machine: machine(),
      loadAverage: { before: loadBefore, after: load() },
      engine: {
        ...engine,
        oneWorkflow: round(engine.oneWorkflow),
        tenWorkflows: round(engine.tenWorkflows),
        roundsOfTen: round(engine.roundsOfTen, 1),
      },
      ingest,
      tenantIngest,
      latency,
      coalescing,
      memory,
      memoryCapped,
      recovery,
      singleIngest,
      fanout,
      steady,
      backlog,
      unavailableRetries: ctx.api.unavailableRetries,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${stamp}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    const base = existsSync(BASELINE)
      ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as BenchResults)
      : undefined;
    const comparable = base?.mode === results.mode && base.sqliteSynchronous === sync;
    console.log('\n' + formatTable(results, comparable ? base : undefined) + '\n');
    log(`results in ${file}`);
    if (args.has('--update-baseline')) {
      // Formatted as the repository's prettier check expects, since the baseline is committed.
      const { format } = await import('prettier');
      writeFileSync(BASELINE, await format(JSON.stringify(results), { parser: 'json' }));
      log(`baseline updated: ${BASELINE}`);
    }
    if (cpuProfDir) log(`CPU profile of the Herald process in ${cpuProfDir} (written when it exits)`);
  } catch (err) {
    // What Herald itself said (warnings and errors) is often the cause of a broken run.
    const said = herald?.output().trim();
    if (said) console.error(`Herald's last output:\n${said.slice(-8_000)}`);
    throw err;
  } finally {
    await cleanup();
  }
}

// Everything this run started is stopped by then; exiting explicitly keeps a stray keep-alive
// socket from holding CI.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
