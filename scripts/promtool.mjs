#!/usr/bin/env node
// Obtains Prometheus's promtool (it checks and unit-tests deploy/prometheus/) at one pinned
// version, built from its Go module: `go install github.com/prometheus/prometheus/cmd/promtool`.
//
//   node scripts/promtool.mjs [--quiet] [--print]
//
// Sources, in order (scripts/go-tool-cache.mjs): PROMTOOL (a binary; used as it is); the project cache
// .tools/promtool-<version>/ (HERALD_TOOLS_DIR moves it); the machine cache
// ${XDG_CACHE_HOME:-~/.cache}/herald-tools/promtool-<version>/ (HERALD_TOOLS_CACHE moves it), so a
// fresh clone in CI copies the binary instead of building it again; `go install` (needs Go; a
// cold build takes minutes, Go's own module and build caches in ~ make a rebuild quicker).
// A promtool on PATH is not used: its version would decide what the rules tests accept.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoTool, place } from './go-tool-cache.mjs';

// The one place where the version is pinned (a tag of github.com/prometheus/prometheus).
export const PROMTOOL_VERSION = process.env.PROMTOOL_VERSION ?? '0.316.0';
const MODULE = 'github.com/prometheus/prometheus/cmd/promtool';

const runs = (path) => spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

function goInstall(dest, log) {
  const gobin = mkdtempSync(join(tmpdir(), 'promtool-go-'));
  try {
    const started = Date.now();
    log(`building promtool ${PROMTOOL_VERSION} with go install (a cold build takes minutes)`);
    try {
      execFileSync('go', ['install', `${MODULE}@v${PROMTOOL_VERSION}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 1_800_000,
        env: {
          ...process.env,
          GOBIN: gobin,
          GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim(),
        },
      });
    } catch (err) {
      if (err && err.code === 'ENOENT')
        throw new Error('Go is not installed (no `go` on PATH): it is needed to build promtool', {
          cause: err,
        });
      const stderr = err && err.stderr ? String(err.stderr).trim().split('\n').slice(-5).join('\n') : '';
      throw new Error(`go install ${MODULE}@v${PROMTOOL_VERSION} failed${stderr ? `:\n${stderr}` : ''}`, {
        cause: err,
      });
    }
    place(join(gobin, 'promtool'), dest);
    log(`built promtool ${PROMTOOL_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}

/** Returns the path of a working promtool at the pinned version, building it if needed. */
export function ensurePromtool({ quiet = false } = {}) {
  const log = (m) => quiet || process.stderr.write(`[promtool] ${m}\n`);
  return ensureGoTool({
    name: 'promtool',
    version: PROMTOOL_VERSION,
    binary: 'promtool',
    envVar: 'PROMTOOL',
    runs,
    build: (dest) => goInstall(dest, log),
    log,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    const path = ensurePromtool({ quiet: args.includes('--quiet') });
    if (args.includes('--print')) process.stdout.write(`${path}\n`);
    else if (!args.includes('--quiet')) process.stderr.write(`[promtool] ${path}\n`);
  } catch (err) {
    process.stderr.write(`[promtool] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
