// A process harness for crash tests: the Temporal dev server, the worker and the API each run
// as a real child process, so each can be killed with SIGKILL (no shutdown hook runs, no
// buffer is flushed) and started again: the dev server on the same SQLite file and port.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { temporalBinary } from '../../../src/temporal/binaries';
import { startDevServer, type DevServer } from '../../../src/temporal/dev-server';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../../helpers/config';

const ROOT = resolve(__dirname, '..', '..', '..');
export const ENCRYPTION_KEY = `rel1:${Buffer.alloc(32, 3).toString('base64')}`;

export { freePort } from '../../helpers/ports';
import { freePort } from '../../helpers/ports';

const hasExited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
const exitOf = (c: ChildProcess) =>
  hasExited(c) ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()));

/** Resident set size of a live process in KB, from /proc (Linux). */
export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

export interface HeraldChild {
  mode: 'api' | 'worker';
  pid: number;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  alive(): boolean;
  kill9(): Promise<void>;
}

/** `node --import tsx src/main.ts <mode>`; resolves once it prints its start-up banner. */
export async function spawnHerald(
  mode: 'api' | 'worker',
  env: Record<string, string>,
  nodeOptions = process.env.CHILD_NODE_OPTIONS,
): Promise<HeraldChild> {
  // Nothing of the test runner's environment leaks in: the child is configured only by `env`.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('HERALD_') && !k.startsWith('TEMPORAL_') && k !== 'NODE_TEST_CONTEXT',
    ),
  );
  // Node flags for Herald's processes only (e.g. a heap limit that shows what memory a workload
  // really needs), never the test runner's; CHILD_NODE_OPTIONS sets them for experiments.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', mode], {
    cwd: ROOT,
    env: { ...base, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const handle: HeraldChild = {
    mode,
    pid: child.pid!,
    process: child,
    stdout: () => out,
    stderr: () => err,
    alive: () => !hasExited(child),
    async kill9() {
      if (!hasExited(child)) child.kill('SIGKILL');
      await exitOf(child);
    },
  };
  const end = Date.now() + 60_000;
  while (!out.includes('Herald is running')) {
    if (hasExited(child) || Date.now() > end) {
      await handle.kill9();
      throw new Error(`herald ${mode} did not start:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return handle;
}

/** One Temporal dev server (on a temp SQLite file) plus any number of worker and API children. */
export class Cluster {
  /** Environment every Herald child gets on top of the defaults (e.g. HERALD_INGEST). */
  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  readonly dir = mkdtempSync(join(tmpdir(), 'herald-rel-'));
  readonly taskQueue = `herald-rel-${randomBytes(4).toString('hex')}`;
  devServer: DevServer | undefined;
  private ports: { temporal: number; ui: number; api: number } | undefined;
  private readonly children = new Set<HeraldChild>();

  get address(): string {
    return `127.0.0.1:${this.ports!.temporal}`;
  }
  get apiUrl(): string {
    return `http://127.0.0.1:${this.ports!.api}`;
  }
  get dbFile(): string {
    return join(this.dir, 'temporal.db');
  }

  /** Starts the dev server; after a crash, again on the same file and port. */
  async startTemporal(): Promise<void> {
    this.ports ??= { temporal: await freePort(), ui: await freePort(), api: await freePort() };
    this.devServer = await startDevServer({
      cli: temporalBinary('cli'),
      dataDir: this.dir,
      port: this.ports.temporal,
      uiPort: this.ports.ui,
      namespace: 'default',
    });
  }

  async killTemporal(): Promise<void> {
    const p = this.devServer?.process;
    if (!p) return;
    if (!hasExited(p)) p.kill('SIGKILL');
    await exitOf(p);
    this.devServer = undefined;
  }

  private env(): Record<string, string> {
    return {
      TEMPORAL_ADDRESS: this.address,
      HERALD_TASK_QUEUE: this.taskQueue,
      HERALD_ENCRYPTION_KEY: ENCRYPTION_KEY,
      HERALD_ADMIN_KEY: TEST_ADMIN_KEY,
      HERALD_PUBLISH_KEY: TEST_PUBLISH_KEY,
      HERALD_ALLOW_INSECURE_URLS: 'true',
      HERALD_LOG_LEVEL: 'warn',
      HERALD_ROUTING_REFRESH_MS: '500',
      HERALD_DATA_DIR: this.dir,
      // HERALD_TEST_INGEST=inbox runs any crash suite through the ingest inbox (issue 27).
      ...(process.env.HERALD_TEST_INGEST ? { HERALD_INGEST: process.env.HERALD_TEST_INGEST } : {}),
      ...this.extraEnv,
    };
  }

  async startWorker(opts: { nodeOptions?: string } = {}): Promise<HeraldChild> {
    return this.track(await spawnHerald('worker', this.env(), opts.nodeOptions));
  }

  /** The API always listens on the same port, so a publisher finds the restarted one. */
  async startApi(): Promise<HeraldChild> {
    return this.track(await spawnHerald('api', { ...this.env(), HERALD_PORT: String(this.ports!.api) }));
  }

  private track(c: HeraldChild): HeraldChild {
    this.children.add(c);
    return c;
  }

  /** Kills every child and the dev server, and removes the temp directory. For after(). */
  async shutdown(): Promise<void> {
    for (const c of this.children) await c.kill9();
    this.children.clear();
    await this.killTemporal();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
