// Phase 5, memory: a fresh worker child (`src/main.ts worker`, its own task queue) and 1,000
// (quick: 100) idle subscription workflows. Each is queried once so that it sits in the worker's
// workflow cache, as a live subscription does. RSS and the main thread's heap are read inside
// the child after a full GC; per subscription = RSS delta ÷ count. Workflows are started with
// the client directly (the same workflow and input the API would start), so no API is involved.
import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { deleteUpdate, statusQuery } from '../../workflows/messages';
import { subscriptionWorkflowId } from '../../core/ids';
import type { SubscriptionWorkflowInput } from '../../workflows/subscription';
import type { SubscriptionConfig } from '../../core/types';
import { startHeraldChild, type BenchKeys } from '../cluster';
import { round, runPool, sleep } from '../pool';

const TASK_QUEUE = 'bench-memory';
const MB = 1024 * 1024;

export interface MemoryResult {
  subscriptions: number;
  baselineRssMb: number;
  rssMb: number;
  heapUsedMb: number;
  perSubscriptionKb: number;
  heapPerSubscriptionKb: number;
  temporalServerRssMb: number | null;
  /** HERALD_MAX_CACHED_WORKFLOWS of the worker; null = the SDK's default. */
  maxCachedWorkflows: number | null;
}

/** The cache size of the second memory measurement: below the subscription count on purpose. */
export const CAPPED_CACHE = 100;

function config(url: string): SubscriptionConfig {
  const now = new Date().toISOString();
  return {
    id: `sub_${randomBytes(10).toString('hex')}`,
    name: 'bench idle',
    url,
    description: '',
    events: ['*'],
    includePii: false,
    includeDetails: false,
    token: `tok_${randomBytes(12).toString('hex')}`,
    secrets: [{ secret: `whsec_${randomBytes(32).toString('base64')}`, createdAt: now }],
    batching: { debounceMs: 2000, maxWaitMs: 10_000, maxBatchSize: 500 },
    retry: { initialIntervalMs: 60_000, backoffCoefficient: 2, maximumAttempts: 13, timeoutMs: 10_000 },
    createdAt: now,
    updatedAt: now,
  };
}

/** VmRSS of another process (the Temporal server), for context. */
export function rssOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function measureMemory(o: {
  address: string;
  keys: BenchKeys;
  dataDir: string;
  url: string;
  quick: boolean;
  serverPid?: number;
  maxCachedWorkflows?: number;
}): Promise<MemoryResult> {
  const count = o.quick ? 100 : 1000;
  const worker = await startHeraldChild({
    mode: 'worker',
    address: o.address,
    taskQueue: TASK_QUEUE,
    keys: o.keys,
    dataDir: o.dataDir,
    env:
      o.maxCachedWorkflows === undefined ? {} : { HERALD_MAX_CACHED_WORKFLOWS: String(o.maxCachedWorkflows) },
  });
  const connection = await Connection.connect({ address: o.address });
  const client = new Client({ connection, dataConverter: heraldDataConverter(o.keys.encryptionKey) });
  const started: string[] = [];
  const startOne = async () => {
    const cfg = config(o.url);
    started.push(subscriptionWorkflowId(cfg.id));
    const handle = await client.workflow.start('subscriptionWorkflow', {
      workflowId: subscriptionWorkflowId(cfg.id),
      taskQueue: TASK_QUEUE,
      args: [{ config: cfg } satisfies SubscriptionWorkflowInput],
    });
    await handle.query(statusQuery);
  };
  try {
    // One subscription first: loading the workflow bundle into the V8 context is a fixed cost.
    await startOne();
    await sleep(500);
    const base = await worker.memory();
    await runPool(8, (i) => i < count, startOne);
    await sleep(1_000);
    const after = await worker.memory();
    return {
      subscriptions: count,
      baselineRssMb: round(base.rss / MB, 1),
      rssMb: round(after.rss / MB, 1),
      heapUsedMb: round(after.heapUsed / MB, 1),
      perSubscriptionKb: round((after.rss - base.rss) / count / 1024, 1),
      heapPerSubscriptionKb: round((after.heapUsed - base.heapUsed) / count / 1024, 1),
      temporalServerRssMb: ((r) => (r === null ? null : round(r / MB, 1)))(rssOf(o.serverPid)),
      maxCachedWorkflows: o.maxCachedWorkflows ?? null,
    };
  } finally {
    // They subscribe to "*": left running, every later phase's changes would be routed to
    // them too (with no worker on their task queue), as a full run once found out. Deleted
    // as Herald deletes (terminated, they would be "broken" and refuse every change).
    await runPool(
      8,
      (i) => i < started.length,
      async (i) => {
        await client.workflow
          .getHandle(started[i]!)
          .executeUpdate(deleteUpdate)
          .catch(() => undefined);
      },
    );
    await connection.close();
    await worker.stop();
  }
}
