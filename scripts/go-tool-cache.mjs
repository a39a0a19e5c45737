// The cache the Go-built test tools share (scripts/promtool.mjs, scripts/jaeger.mjs): a binary
// named in an environment variable is used as it is; else the project cache .tools/<name>-<version>/
// (HERALD_TOOLS_DIR moves it); else the machine cache ${XDG_CACHE_HOME:-~/.cache}/herald-tools/
// <name>-<version>/ (HERALD_TOOLS_CACHE moves it), so a fresh clone in CI copies the binary
// instead of building it again; else `build` makes it into the machine cache.
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
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
