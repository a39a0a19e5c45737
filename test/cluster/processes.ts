// Every process the cluster test starts goes through here, so that one call stops them all, on
// success, on failure and on Ctrl-C alike. Output goes to a log file per process; a failure
// prints the tails.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited(): boolean;
  /** kill -9, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const exitOf = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => c.once('exit', () => r()));

export class Processes {
  private readonly live = new Set<Proc>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly logs = new Set<string>();
  /** Set by stopAll: a step still running after a failure or Ctrl-C must not start anything. */
  private closed = false;

  constructor(readonly logDir: string) {}

  /** Starts `cmd args` with its stdout and stderr appended to <logDir>/<name>.log. */
  start(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
    const logFile = join(this.logDir, `${name}.log`);
    if (this.closed) throw new Error(`not starting ${name}: stopping everything`);
    this.logs.add(logFile);
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const proc: Proc = {
      name,
      child,
      logFile,
      exited,
      kill9: async () => {
        if (!exited()) child.kill('SIGKILL');
        await exitOf(child);
        this.live.delete(proc);
      },
      stop: async (graceMs = 10_000) => {
        if (!exited()) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exitOf(child);
        clearTimeout(timer);
        this.live.delete(proc);
      },
    };
    this.live.add(proc);
    return proc;
  }

  /** A child started elsewhere (one that runs to its end): killed by stopAll if still running. */
  track(child: ChildProcess): void {
    if (this.closed) {
      child.kill('SIGKILL');
      throw new Error('not starting anything more: stopping everything');
    }
    this.cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exitOf(child);
    });
  }

  /** A stop step for something that is not a child process (PostgreSQL's postmaster). */
  onCleanup(fn: () => Promise<void>): void {
    // Registered before what it stops is started, so refusing here also refuses the start.
    if (this.closed) throw new Error('not starting anything more: stopping everything');
    this.cleanups.push(fn);
  }

  /** Everything still running: SIGTERM with a short grace, then the cleanup steps in reverse. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((p) => p.stop(5_000)));
    for (const fn of this.cleanups.splice(0).reverse()) await fn().catch((e) => console.error(String(e)));
  }

  /** The last lines of every log, for a failure report. */
  tails(lines = 15): string {
    const out: string[] = [];
    for (const p of this.logs) {
      if (!existsSync(p)) continue;
      // Temporal logs JSON with whole stack traces in one line: the start of each line is enough.
      const text = readFileSync(p, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
        .join('\n');
      out.push(`--- ${p}\n${text}`);
    }
    return out.join('\n');
  }
}

/** Runs a command to its end; rejects with its output on a non-zero exit or after `timeoutMs`. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: opts.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`.trim()));
        else resolve(stdout);
      },
    );
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Thrown inside `until` to stop polling at once (a process it waits for has died). */
export class Fatal extends Error {}

/** Polls `fn` until it returns a value other than undefined/false; throws after `ms`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(250);
  }
}
