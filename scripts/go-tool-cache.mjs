// The cache the Go-built test tools share (scripts/promtool.mjs, scripts/prometheus.mjs,
// scripts/jaeger.mjs), and the `go install` that builds them: a binary
// named in an environment variable is used as it is; else the project cache .tools/<name>-<version>/
// (HERALD_TOOLS_DIR moves it); else the machine cache ${XDG_CACHE_HOME:-~/.cache}/herald-tools/
// <name>-<version>/ (HERALD_TOOLS_CACHE moves it), so a fresh clone in CI copies the binary
// instead of building it again; else `build` makes it into the machine cache.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = () => resolve(process.env.HERALD_TOOLS_DIR ?? join(root, '.tools'));
export const machineCache = () =>
  resolve(
    process.env.HERALD_TOOLS_CACHE ??
      join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'herald-tools'),
  );

/** Copies `from` to `to` through a temporary name, so a reader never sees half a binary. */
export function place(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  const partial = `${to}.partial-${process.pid}`;
  copyFileSync(from, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, to);
}

/**
 * The path of a working `binary` of tool `name` at `version`. `runs(path)` says whether one
 * works; `build(dest)` makes it at dest (throws with a message saying what is missing).
 */
export function ensureGoTool({ name, version, binary, envVar, runs, build, log }) {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`${envVar}=${fromEnv}: no such file`);
  }
  const dir = `${name}-${version}`;
  const project = join(toolsDir(), dir, binary);
  if (existsSync(project) && runs(project)) return project;
  const machine = join(machineCache(), dir, binary);
  if (!(existsSync(machine) && runs(machine))) {
    try {
      build(machine);
    } catch (err) {
      throw new Error(
        `Could not obtain ${name} ${version}: ${err instanceof Error ? err.message : String(err)}\n` +
          `Install Go (https://go.dev/dl/) so it can be built, or point ${envVar} at a ${binary} binary.`,
        { cause: err },
      );
    }
  } else {
    log(`copying ${name} ${version} from the machine cache ${machine}`);
  }
  place(machine, project);
  if (!runs(project)) throw new Error(`${project} does not run`);
  return project;
}

/** Runs `go args`; a failure says whether Go is missing or shows the tail of Go's own stderr. */
function runGo(args, { cwd, env, binary }) {
  try {
    execFileSync('go', args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 1_800_000 });
  } catch (err) {
    if (err && err.code === 'ENOENT')
      throw new Error(`Go is not installed (no \`go\` on PATH): it is needed to build ${binary}`, {
        cause: err,
      });
    const stderr = err && err.stderr ? String(err.stderr).trim().split('\n').slice(-5).join('\n') : '';
    throw new Error(`go ${args.join(' ')} failed${stderr ? `:\n${stderr}` : ''}`, { cause: err });
  }
}

/**
 * Builds `binary` of Go package `module` at `version` with `go install` and places it at `dest`.
 * Plain `go install module@vX` refuses a module whose go.mod has replace directives (Jaeger's):
 * for those, `goMod` is the text of a scratch main module that repeats them; the package is
 * required there as a tool (`go get -tool`) and installed from inside it.
 */
export function goInstall({ module, version, binary, dest, log, goMod }) {
  const work = mkdtempSync(join(tmpdir(), `${binary}-go-`));
  const gobin = join(work, 'bin');
  const env = {
    ...process.env,
    GOBIN: gobin,
    GOWORK: 'off',
    // -mod=mod: a GOFLAGS=-mod=vendor of the caller's would not apply to a module from the proxy.
    GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod -buildvcs=false`.trim(),
  };
  try {
    const started = Date.now();
    log(`building ${binary} ${version} with go install (a cold build takes minutes)`);
    if (goMod) {
      writeFileSync(join(work, 'go.mod'), goMod);
      runGo(['get', '-tool', `${module}@v${version}`], { cwd: work, env, binary });
      runGo(['install', '-trimpath', module], { cwd: work, env, binary });
    } else {
      runGo(['install', '-trimpath', `${module}@v${version}`], { cwd: work, env, binary });
    }
    place(join(gobin, binary), dest);
    log(`built ${binary} ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `ensure({ quiet })` of a tool built by goInstall: the path of a working `name` binary at
 * `version` (it answers `versionArgs`), from the caches or built; progress on stderr unless quiet.
 */
export function goInstalledTool({ name, version, module, envVar, versionArgs = ['--version'], goMod }) {
  const runs = (path) => spawnSync(path, versionArgs, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  return ({ quiet = false } = {}) => {
    const log = (m) => quiet || process.stderr.write(`[${name}] ${m}\n`);
    const build = (dest) => goInstall({ module, version, binary: name, dest, log, goMod });
    return ensureGoTool({ name, version, binary: name, envVar, runs, build, log });
  };
}

/** The command line every tool script shares: `node scripts/<name>.mjs [--quiet] [--print]`. */
export function toolMain(scriptUrl, name, ensure) {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(scriptUrl)) return;
  const args = process.argv.slice(2);
  try {
    const path = ensure({ quiet: args.includes('--quiet') });
    if (args.includes('--print')) process.stdout.write(`${path}\n`);
    else if (!args.includes('--quiet')) process.stderr.write(`[${name}] ${path}\n`);
  } catch (err) {
    process.stderr.write(`[${name}] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
