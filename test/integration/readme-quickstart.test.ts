// The README's quick start and "Try it" commands, run exactly as written against a fresh
// `npm start`: in a copy of the checkout (the tracked files; node_modules hard-linked, since npm
// replaces a symlinked node_modules with a full install, and .tools symlinked so nothing is
// downloaded), with the README's ports (3000, 7233, 8233) and its receiver URL
// (http://127.0.0.1:9999/hook). The subscription's answer must carry an id and a signing
// secret, the changes call must print `"accepted":2`, and the receiver must get one POST with
// both changes whose Standard Webhooks signature verifies with that secret.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { alive, processes, until } from '../helpers/herald-process';
import { startReceiver, type Receiver } from '../helpers/receiver';

const ROOT = resolve(__dirname, '..', '..');
const README_PORTS = { api: 3000, temporal: 7233, ui: 8233, receiver: 9999 };

/** The first ```sh block after the line `heading`, before the next heading of any level. */
export function shBlockUnder(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const at = lines.findIndex((l) => l.trim() === heading);
  if (at < 0) throw new Error(`README has no heading "${heading}"`);
  let i = at + 1;
  for (; i < lines.length && !/^#{1,6} /.test(lines[i]!); i++) {
    if (lines[i]!.trim() !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`the sh block under "${heading}" is not closed`);
    return lines.slice(i + 1, end).join('\n');
  }
  throw new Error(`no \`\`\`sh block under "${heading}" before the next heading`);
}

/** Every top-level JSON object printed one after another (curl -s prints no newline). */
function jsonObjects(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = depth > 0;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
    }
  }
  return out;
}

/** Processes of the process group `pgid` (Linux /proc). */
function inGroup(pgid: number): number[] {
  return processes()
    .map((p) => p.pid)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
      } catch {
        return false;
      }
    });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

/**
 * The checkout as it is, copied into `dir`: its tracked files and the new ones not ignored (a
 * fresh clone has only the former; a working tree with new files needs both).
 */
function copyCheckout(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      copyFileSync(join(ROOT, f), join(dir, f));
    } catch (err) {
      // A tracked file deleted in the working tree is not part of the checkout as it is.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  // Hard links: a no-op `npm install` reads them and writes nothing but its own lock, which is
  // copied so that the checkout's node_modules is never written through the link.
  execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(dir, 'node_modules')]);
  const hiddenLock = join(dir, 'node_modules', '.package-lock.json');
  unlinkSync(hiddenLock);
  copyFileSync(join(ROOT, 'node_modules', '.package-lock.json'), hiddenLock);
  symlinkSync(join(ROOT, '.tools'), join(dir, '.tools'));
}

void describe("the README's quick start", { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-readme-'));
  let herald: ChildProcess | undefined;
  let receiver: Receiver | undefined;
  let output = '';
  // What a user's shell would not have: the test runner's own Herald and Temporal settings.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_') && !k.startsWith('TEMPORAL_')),
  );

  /**
   * Ctrl-C as a terminal sends it: SIGINT to npm start's whole process group, then a bounded wait
   * for npm to exit and for every process of the group (Herald, the Temporal server) to be gone.
   */
  async function stopHerald(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = herald!;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    process.kill(-child.pid!, 'SIGINT');
    const end = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(r, 30_000, 'timeout'))]);
    if (end === 'timeout') {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`npm start did not exit within 30 s of SIGINT; its output:\n${output}`);
    }
    await until(
      'every process of npm start to end',
      () => inGroup(child.pid!).length === 0 || undefined,
      15_000,
    );
    return end;
  }

  after(async () => {
    // Only if an assertion failed midway: nothing of ours may outlive the test.
    if (herald?.pid && alive(herald.pid)) {
      try {
        process.kill(-herald.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('runs as written: npm install, npm start, then the Try-it commands deliver a signed POST', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const quickStart = shBlockUnder(readme, '## Quick start')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const tryIt = shBlockUnder(readme, '### Try it');
    assert.equal(quickStart.at(-1), 'npm start', 'the quick start ends with `npm start`');

    for (const [what, port] of Object.entries(README_PORTS)) {
      assert.ok(
        await portFree(port),
        `port ${port} (${what}, as the README uses it) is taken on 127.0.0.1: stop whatever holds it ` +
          `(another Herald or Temporal dev server?) and run this test again`,
      );
    }

    const t0 = Date.now();
    copyCheckout(dir);
    const copied = Date.now();
    for (const cmd of quickStart.slice(0, -1)) {
      const r = spawnSync('bash', ['-c', cmd], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `\`${cmd}\` failed:\n${r.stdout}\n${r.stderr}`);
    }
    console.log(
      `copy of the checkout ${copied - t0} ms; ${quickStart.slice(0, -1).join(', ')} ${Date.now() - copied} ms`,
    );

    receiver = await startReceiver({ port: README_PORTS.receiver });
    herald = spawn('bash', ['-c', 'npm start'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so SIGINT reaches npm, tsx and Herald as Ctrl-C does
    });
    herald.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    herald.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const started = Date.now();
    const exitedEarly = new Promise<never>((_, reject) =>
      herald!.once('exit', (code) =>
        reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`)),
      ),
    );
    await Promise.race([
      exitedEarly,
      until(
        'http://127.0.0.1:3000/readyz to answer 200',
        async () => (await fetch(`http://127.0.0.1:${README_PORTS.api}/readyz`)).status === 200 || undefined,
        180_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; npm start's output:\n${output}`);
      }),
    ]);
    exitedEarly.catch(() => undefined); // once ready, a later exit is stopHerald's to report
    console.log(`npm start ready in ${Date.now() - started} ms`);

    const tried = spawnSync('bash', ['-c', tryIt], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(tried.status, 0, `the Try-it block failed:\n${tried.stdout}\n${tried.stderr}`);
    const printed = jsonObjects(tried.stdout);
    const subscription = printed.find((o) => 'signingSecret' in o);
    assert.ok(subscription, `the subscription's JSON was printed: ${tried.stdout}`);
    assert.match(String(subscription.id), /^sub_/);
    const secret = String(subscription.signingSecret);
    assert.match(secret, /^whsec_/);
    assert.ok(
      tried.stdout.includes('"accepted":2'),
      `the changes call printed "accepted":2: ${tried.stdout}`,
    );

    await receiver.waitForRequests(1, 60_000);
    const post = receiver.requests[0]!;
    assert.equal(post.method, 'POST');
    assert.equal(post.path, '/hook');
    const headers = Object.fromEntries(Object.entries(post.headers).map(([k, v]) => [k, String(v)]));
    const verified = new Webhook(secret).verify(post.rawBody, headers) as {
      changes: { action: string; object: string; id: number }[];
    };
    assert.deepEqual(
      verified.changes.map((c) => [c.action, c.object, c.id]).sort(),
      [
        ['destroy', 'training', 34534],
        ['update', 'training', 345345],
      ],
      'the POST carries both changes',
    );

    const { code, signal } = await stopHerald();
    // npm itself ends by the SIGINT (as after Ctrl-C in a terminal) or with 0; Herald must have
    // shut down in order, which it logs step by step.
    assert.ok(code === 0 || signal === 'SIGINT', `npm start ended with ${code ?? signal}:\n${output}`);
    assert.match(
      output,
      /shutdown: embedded Temporal server stopped/,
      `Herald shut down cleanly:\n${output}`,
    );
  });
});
