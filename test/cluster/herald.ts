// Herald's own processes on the cluster, started as `npm run api|worker|setup:temporal` start
// them (tsx src/main.ts <mode>), but as `node --import tsx` directly: `tsx` forks a second node
// process, and kill -9 of the parent would leave the real worker running.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { freePort } from '../helpers/ports';
import { sleep, type Proc, type Processes } from './processes';

const ROOT = resolve(__dirname, '..', '..');
export const ENCRYPTION_KEY = `cl1:${Buffer.alloc(32, 9).toString('base64')}`;

export interface HeraldNode {
  proc: Proc;
  /** API nodes: http://127.0.0.1:<port> */
  url?: string;
}

/** The environment of every Herald process: the documented variables and nothing else. */
export function heraldEnv(address: string, namespace: string, taskQueue: string): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_') && !k.startsWith('TEMPORAL_')),
  );
  return {
    ...base,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    HERALD_TASK_QUEUE: taskQueue,
    HERALD_ADMIN_KEY: TEST_ADMIN_KEY,
    HERALD_PUBLISH_KEY: TEST_PUBLISH_KEY,
    HERALD_ENCRYPTION_KEY: ENCRYPTION_KEY,
    // The receivers are on 127.0.0.1 over http.
    HERALD_ALLOW_INSECURE_URLS: 'true',
    HERALD_ROUTING_REFRESH_MS: '500',
    HERALD_LOG_LEVEL: 'warn',
  };
}

/** `src/main.ts <args>` to its end (setup, or a start that must be refused). */
export function runHerald(
  procs: Processes,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, env, timeout: 120_000 },
      (err, stdout, stderr) => done({ code: err ? ((err.code as number) ?? 1) : 0, stdout, stderr }),
    );
    procs.track(child);
  });
}

/** Starts `src/main.ts api|worker` and resolves once it printed its banner. */
export async function startHerald(
  procs: Processes,
  name: string,
  mode: 'api' | 'worker',
  env: NodeJS.ProcessEnv,
): Promise<HeraldNode> {
  const port = mode === 'api' ? await freePort() : undefined;
  const proc = procs.start(name, process.execPath, ['--import', 'tsx', 'src/main.ts', mode], {
    cwd: ROOT,
    env: { ...env, ...(port ? { HERALD_PORT: String(port) } : {}) },
  });
  const end = Date.now() + 90_000;
  while (!readFileSync(proc.logFile, 'utf8').includes('Herald is running')) {
    if (proc.exited() || Date.now() > end)
      throw new Error(`herald ${name} did not start:\n${readFileSync(proc.logFile, 'utf8')}`);
    await sleep(100);
  }
  return { proc, url: port ? `http://127.0.0.1:${port}` : undefined };
}
