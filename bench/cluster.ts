// The processes a bench run needs: an embedded Temporal dev server on free ports in a temp
// dir, and Herald itself as child processes (`src/main.ts all` / `worker`) pointed at it, so
// the load generator in this process does not share an event loop with what it measures.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { temporalBinary } from '../src/temporal/binaries';
import { SQLITE_PRAGMAS, startDevServer, type DevServer } from '../src/temporal/dev-server';
import { sleep } from './pool';

const ROOT = resolve(__dirname, '..');

export { freePort } from '../test/helpers/ports';
import { freePort } from '../test/helpers/ports';

/**
 * `synchronous` is the production FULL unless the run asks otherwise (to show what fsync costs).
 * A port found free can be taken before the server binds it (the server picks its own HTTP and
 * metrics ports at random too): a server that exits during start-up gets two more tries on
 * fresh ports.
 */
export async function startTemporalServer(dataDir: string, sync = 'FULL'): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServer({
        sqlitePragmas: SQLITE_PRAGMAS.map((p) => (p.startsWith('synchronous=') ? `synchronous=${sync}` : p)),
        cli: temporalBinary('cli'),
        dataDir,
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'default',
      });
    } catch (err) {
      if (attempt === 3 || !String(err).includes('exited during start-up')) throw err;
    }
  }
}

export interface BenchKeys {
  adminKey: string;
  publishKey: string;
  encryptionKey: string;
}

export const newKeys = (): BenchKeys => ({
  adminKey: `bench-admin-${randomBytes(12).toString('hex')}`,
  publishKey: `bench-publish-${randomBytes(12).toString('hex')}`,
  encryptionKey: `b1:${randomBytes(32).toString('base64')}`,
});

export interface HeraldChild {
  process: ChildProcess;
  url?: string;
  /** Worker children only: the child's own memory figures, after a GC. */
  memory(): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number }>;
  /** The last ~20 KB the child wrote (its warnings and errors), for a failed run's report. */
  output(): string;
  stop(): Promise<void>;
}

export interface HeraldChildOptions {
  mode: 'all' | 'api' | 'worker';
  address: string;
  taskQueue: string;
  keys: BenchKeys;
  dataDir: string;
  /** Directory for `--cpu-prof` output; unset = no profiling. */
  cpuProfDir?: string;
  /** Extra environment, e.g. HERALD_MAX_CACHED_WORKFLOWS. */
  env?: Record<string, string>;
}

export async function startHeraldChild(o: HeraldChildOptions): Promise<HeraldChild> {
  const port = o.mode === 'worker' ? 0 : await freePort();
  const nodeArgs = ['--expose-gc', '--import', 'tsx', '--import', './bench/memory-probe.mjs'];
  if (o.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`);
  const child = spawn(process.execPath, [...nodeArgs, 'src/main.ts', o.mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: o.address,
      HERALD_TASK_QUEUE: o.taskQueue,
      HERALD_HOST: '127.0.0.1',
      HERALD_PORT: String(port),
      HERALD_ADMIN_KEY: o.keys.adminKey,
      HERALD_PUBLISH_KEY: o.keys.publishKey,
      HERALD_ENCRYPTION_KEY: o.keys.encryptionKey,
      HERALD_ALLOW_INSECURE_URLS: 'true',
      HERALD_DATA_DIR: o.dataDir,
      HERALD_LOG_LEVEL: 'warn',
      ...o.env,
    },
  });
  let output = '';
  // HERALD_BENCH_CHILD_LOG=<file>: all of the child's output, for a look at what it warned about.
  const logFile = process.env.HERALD_BENCH_CHILD_LOG;
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
    if (logFile) appendFileSync(logFile, b);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exit;
    clearTimeout(t);
  };
  const end = Date.now() + 90_000;
  while (!output.includes('Herald is running')) {
    if (exited || Date.now() > end) {
      await stop();
      throw new Error(`herald ${o.mode} child did not start:\n${output}`);
    }
    await sleep(50);
  }
  const memory = () =>
    new Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number }>((ok, fail) => {
      const t = setTimeout(() => fail(new Error('memory probe did not answer')), 10_000);
      child.once('message', (m) => (clearTimeout(t), ok(m as never)));
      child.send('memory');
    });
  const url = o.mode === 'worker' ? undefined : `http://127.0.0.1:${port}`;
  return { process: child, url, memory, output: () => output, stop };
}
