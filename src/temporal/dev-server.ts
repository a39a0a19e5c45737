// The embedded Temporal: `temporal server start-dev` on 127.0.0.1, state in SQLite under
// .data/, Web UI on 8233, Herald's search attributes registered at launch.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { HERALD_SEARCH_ATTRIBUTES } from './search-attributes';

/**
 * The history service fires a timer up to `timerProcessorMaxTimeShift` (1 s by default)
 * late; with a 2 s debounce that is half the window again. 10 ms keeps added latency low.
 * Its timer, transfer (a workflow task to dispatch after a signal) and visibility queues are
 * also read at most 20 times a second by default: with ten subscriptions busy at once, a fired
 * timer waited 80-240 ms for its queue's next read and a debounced batch missed its window
 * (the benchmark's added-latency p99 went from 1,321 to 161 ms with 200 reads a second).
 */
export const LATENCY_ARGS = [
  '--dynamic-config-value',
  'history.timerProcessorMaxTimeShift="10ms"',
  ...['timer', 'transfer', 'visibility'].flatMap((q) => [
    '--dynamic-config-value',
    `history.${q}ProcessorMaxPollRPS=200`,
  ]),
];

/**
 * WAL journal with synchronous=FULL: a commit is on disk (fsync of the WAL) before the
 * server answers, so neither a kill -9 of the server nor a power cut loses an acknowledged
 * signal. NORMAL would survive a process crash too, but not a power cut.
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=FULL'];

export interface DevServerOptions {
  cli: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  codecEndpoint?: string;
  log?: (line: string) => void;
  /** Replaces SQLITE_PRAGMAS (the benchmark compares synchronous=FULL with NORMAL). */
  sqlitePragmas?: string[];
}

export interface DevServer {
  address: string;
  uiUrl: string;
  dbFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function devServerArgs(o: DevServerOptions, dbFile: string): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--ui-port',
    String(o.uiPort),
  ];
  args.push(
    '--db-filename',
    dbFile,
    '--namespace',
    o.namespace,
    '--log-level',
    'warn',
    '--ui-disable-news-fetch',
  );
  for (const p of o.sqlitePragmas ?? SQLITE_PRAGMAS) args.push('--sqlite-pragma', p);
  for (const [name, type] of HERALD_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=${type}`);
  if (o.codecEndpoint) args.push('--ui-codec-endpoint', o.codecEndpoint);
  return [...args, ...LATENCY_ARGS];
}

/** Waits until a Temporal frontend answers at `address`, or throws after `timeoutMs`. */
export async function waitForTemporal(address: string, timeoutMs: number, alive: () => boolean = () => true) {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    if (!alive()) throw new Error('the Temporal dev server exited during start-up');
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal did not answer at ${address} within ${timeoutMs} ms: ${String(last)}`);
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  mkdirSync(o.dataDir, { recursive: true });
  const dbFile = join(o.dataDir, 'temporal.db');
  const logFd = openSync(join(o.dataDir, 'temporal.log'), 'a');
  // Herald's OTEL_* variables are Herald's (docs/operations.md#tracing): the Temporal server reads
  // them too, would export its own spans under Herald's name, and refuses to start on
  // OTEL_TRACES_EXPORTER=console.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const child = spawn(o.cli, devServerArgs(o, dbFile), { stdio: ['ignore', logFd, logFd], env });
  closeSync(logFd);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const address = `127.0.0.1:${o.port}`;
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
  };
  try {
    await waitForTemporal(address, 60_000, () => !exited);
  } catch (err) {
    await stop();
    throw new Error(
      `${(err as Error).message}; see ${join(o.dataDir, 'temporal.log')} (is port ${o.port} in use?)`,
      {
        cause: err,
      },
    );
  }
  return { address, uiUrl: `http://127.0.0.1:${o.uiPort}`, dbFile, process: child, stop };
}
