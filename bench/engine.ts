// Phase 1, the engine's limit: bare `handle.signal` calls at a fixed concurrency into one and
// into ten no-op workflows, from this process, on the same server Herald uses. No codec, no
// Herald code: this is the ceiling Herald's ingest is compared against.
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpuMeter, type CpuSplit, type PidSet } from './cpu';
import { runPool } from './pool';
import { noopWorkflow, pingSignal, stopSignal } from './workflows/noop';

const NOOP_PATH = resolve(__dirname, 'workflows', 'noop.ts');
const CACHE_DIR = resolve(__dirname, '..', '.cache');
const TASK_QUEUE = 'bench-noop';

/** The noop bundle, cached by a hash of its source like the Herald bundle (webpack takes seconds). */
async function noopBundle(): Promise<{ code: string }> {
  const hash = createHash('sha256')
    .update(readFileSync(NOOP_PATH))
    .update(readFileSync(resolve(__dirname, '..', 'package-lock.json')))
    .digest('hex')
    .slice(0, 16);
  const file = join(CACHE_DIR, `bench-noop-${hash}.js`);
  if (!existsSync(file)) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: NOOP_PATH,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, code);
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return { code: readFileSync(file, 'utf8') };
}

export interface EngineResult {
  oneWorkflow: number;
  tenWorkflows: number;
  /**
   * Rounds a second of ten signals at once, one into each of ten no-op workflows, each round
   * after the last was acknowledged: what Herald's group commit does for a request routed to ten
   * subscriptions. Requests in flight × this bounds one-change-per-request ingest.
   */
  roundsOfTen: number;
  /**
   * Cores each process used during the rounds (the no-op worker runs in the bench process), and
   * the engine's CPU time per round: on N cores the engine alone can do at most N × 1000 ÷ that
   * many rounds a second, whatever Herald does.
   */
  roundsCpu: CpuSplit;
  engineCpuMsPerRound: number;
  signals: number;
}

async function signalRate(
  handles: WorkflowHandle<typeof noopWorkflow>[],
  concurrency: number,
  durationMs: number,
): Promise<{ rate: number; signals: number }> {
  const start = performance.now();
  const end = start + durationMs;
  const n = await runPool(
    concurrency,
    () => performance.now() < end,
    (i) => handles[i % handles.length]!.signal(pingSignal, i),
  );
  return { rate: n / ((performance.now() - start) / 1000), signals: n };
}

async function roundRate(handles: WorkflowHandle<typeof noopWorkflow>[], durationMs: number) {
  const start = performance.now();
  let rounds = 0;
  while (performance.now() < start + durationMs) {
    await Promise.all(handles.map((h, i) => h.signal(pingSignal, i)));
    rounds++;
  }
  return { rate: rounds / ((performance.now() - start) / 1000), signals: rounds * handles.length };
}

export async function measureEngine(
  address: string,
  opts: {
    concurrency: number;
    durationMs: number;
    /** The engine's processes (`temporal`, and `postgres` for a cluster), for the CPU per round. */
    pids: Record<string, PidSet>;
    namespace?: string;
  },
): Promise<EngineResult> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: opts.namespace });
  const native = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: native,
    namespace: opts.namespace,
    taskQueue: TASK_QUEUE,
    workflowBundle: await noopBundle(),
  });
  const running = worker.run();
  const handles: WorkflowHandle<typeof noopWorkflow>[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      handles.push(
        await client.workflow.start(noopWorkflow, { taskQueue: TASK_QUEUE, workflowId: `bench-noop-${i}` }),
      );
    }
    // A short warm-up so connection set-up and the first workflow tasks are not measured.
    await signalRate(handles, opts.concurrency, 300);
    const one = await signalRate(handles.slice(0, 1), opts.concurrency, opts.durationMs);
    const ten = await signalRate(handles, opts.concurrency, opts.durationMs);
    const cpu = cpuMeter({ ...opts.pids, bench: process.pid });
    const rounds = await roundRate(handles, opts.durationMs);
    const roundsCpu = cpu();
    const engineCores = Object.entries(roundsCpu)
      .filter(([k]) => k !== 'bench')
      .reduce((sum, [, cores]) => sum + cores, 0);
    return {
      oneWorkflow: one.rate,
      tenWorkflows: ten.rate,
      roundsOfTen: rounds.rate,
      roundsCpu,
      engineCpuMsPerRound: Math.round((engineCores / rounds.rate) * 1000 * 10) / 10,
      signals: one.signals + ten.signals + rounds.signals,
    };
  } finally {
    await Promise.allSettled(handles.map((h) => h.signal(stopSignal)));
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
  }
}
