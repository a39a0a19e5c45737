// Herald as a real process, seen from outside: processes and its children in /proc, whether a pid lives,
// and polling until something holds; an API and a worker as real processes on a test's Temporal.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnHerald, type HeraldChild } from '../reliability/helpers/processes';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from './config';
import { freePort } from './ports';
import type { TemporalHarness } from './temporal';

/** Every process by its /proc stat (Linux): id, parent and command name. */
export function processes(): { pid: number; ppid: number; comm: string }[] {
  const out: { pid: number; ppid: number; comm: string }[] = [];
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(d), ppid, comm });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Children of `pid` (Linux). */
export function childPids(pid: number): { pid: number; comm: string }[] {
  return processes()
    .filter((p) => p.ppid === pid)
    .map(({ pid: child, comm }) => ({ pid: child, comm }));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `npm run api` and `npm run worker` on `t`'s Temporal, each metrics listener (the API's
 * /metrics, the worker's HERALD_METRICS_PORT and HERALD_SDK_METRICS_ADDRESS) on a free port of
 * 127.0.0.1. Each child is pushed to `children` as soon as it runs, so the caller stops it even
 * when the next one fails to start.
 */
export async function startApiAndWorker(
  t: TemporalHarness,
  dataDir: string,
  children: HeraldChild[],
): Promise<{ api: number; worker: number; sdk: number }> {
  const ports = { api: await freePort(), worker: await freePort(), sdk: await freePort() };
  const env = {
    TEMPORAL_ADDRESS: t.address,
    HERALD_TASK_QUEUE: t.taskQueue,
    HERALD_ENCRYPTION_KEY: t.config.encryptionKeys,
    HERALD_ADMIN_KEY: TEST_ADMIN_KEY,
    HERALD_PUBLISH_KEY: TEST_PUBLISH_KEY,
    HERALD_ALLOW_INSECURE_URLS: 'true',
    HERALD_HOST: '127.0.0.1',
    HERALD_LOG_LEVEL: 'warn',
    HERALD_ROUTING_REFRESH_MS: '500',
    HERALD_DATA_DIR: dataDir,
  };
  children.push(await spawnHerald('api', { ...env, HERALD_PORT: String(ports.api) }));
  children.push(
    await spawnHerald('worker', {
      ...env,
      HERALD_METRICS_PORT: String(ports.worker),
      HERALD_SDK_METRICS_ADDRESS: `127.0.0.1:${ports.sdk}`,
    }),
  );
  return ports;
}
