// The Go-built test tools (scripts/jaeger.mjs, scripts/prometheus.mjs, …): each script prints
// the path of its pinned binary, copied from a cache or built on first use; and running one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

/** The pinned binary of scripts/<name>.mjs (a cold build takes minutes; fails clearly without Go). */
export function goToolBinary(name: string): string {
  const script = resolve(__dirname, '..', '..', 'scripts', `${name}.mjs`);
  // Its progress (a cold build takes minutes) and its errors go to the test's stderr as they come.
  const r = spawnSync(process.execPath, [script, '--print'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  if (r.status !== 0)
    throw new Error(
      `scripts/${name}.mjs failed (${r.error?.message ?? `exit ${r.status}`}): see its message above`,
    );
  return r.stdout.trim();
}

/** SIGTERM, and SIGKILL if it has not exited within 5 s: a tool that hangs does not hang the test. */
export async function stopChild(child: ChildProcess): Promise<void> {
  const running = () => child.exitCode === null && child.signalCode === null;
  if (!running()) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (running()) child.kill('SIGKILL');
}

/**
 * `binary args` as a child process, once `ready()` holds. Its output is kept (the last 20 kB) for
 * error messages; stop() ends it and removes `dir` (its config and data). If it exits or is not
 * ready within `timeoutMs`, it is stopped and the error shows its output.
 */
export async function startTool(opts: {
  name: string;
  binary: string;
  args: string[];
  dir: string;
  ready: () => Promise<boolean>;
  timeoutMs: number;
}): Promise<{ output(): string; stop(): Promise<void> }> {
  const child = spawn(opts.binary, opts.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async () => {
    await stopChild(child);
    rmSync(opts.dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${opts.name} exited with ${child.exitCode}:\n${out}`);
    }
    const ready = await opts.ready().catch((err: unknown) => {
      last = err;
      return false;
    });
    if (ready) return { output: () => out, stop };
    if (Date.now() > deadline) {
      await stop();
      const why = last ? ` (${String(last)})` : '';
      throw new Error(`${opts.name} did not answer within ${opts.timeoutMs / 1000} s${why}:\n${out}`, {
        cause: last,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
