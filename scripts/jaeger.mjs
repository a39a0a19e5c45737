#!/usr/bin/env node
// Obtains Jaeger (the trace backend test/integration/tracing.test.ts exports to and queries) at
// one pinned version, built from its Go module. Jaeger's go.mod has a replace directive, so
// `go install …@version` refuses it: the build runs in a scratch module that requires it as a
// tool (`go get -tool`) with the same replace, then `go build`s cmd/jaeger.
//
//   node scripts/jaeger.mjs [--quiet] [--print]
//
// Sources, in order (scripts/go-tool-cache.mjs): JAEGER (a binary; used as it is); the project
// cache .tools/jaeger-<version>/; the machine cache ~/.cache/herald-tools/jaeger-<version>/, so a
// fresh clone in CI copies the binary instead of building it again; a Go build (cold: about
// 8 minutes on 2 cores, see docs/operations.md#tracing).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGoTool, place } from './go-tool-cache.mjs';

// The one place where the version is pinned (a tag of github.com/jaegertracing/jaeger: Jaeger v2).
export const JAEGER_VERSION = process.env.JAEGER_VERSION ?? '1.75.0';
const MODULE = 'github.com/jaegertracing/jaeger';
// Jaeger's own go.mod replaces it; a replace applies only in the main module, so it is repeated.
const GO_MOD = `module herald.local/jaeger-build

go 1.24.6

replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
`;

const runs = (path) => spawnSync(path, ['version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;

function go(args, cwd) {
  try {
    execFileSync('go', args, {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 1_800_000,
      env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim(), GOWORK: 'off' },
    });
  } catch (err) {
    if (err && err.code === 'ENOENT')
      throw new Error('Go is not installed (no `go` on PATH): it is needed to build Jaeger', { cause: err });
    const stderr = err && err.stderr ? String(err.stderr).trim().split('\n').slice(-5).join('\n') : '';
    throw new Error(`go ${args.join(' ')} failed${stderr ? `:\n${stderr}` : ''}`, { cause: err });
  }
}

function goBuild(dest, log) {
  const dir = mkdtempSync(join(tmpdir(), 'jaeger-go-'));
  try {
    const started = Date.now();
    log(`building Jaeger ${JAEGER_VERSION} from its Go module (a cold build takes minutes)`);
    writeFileSync(join(dir, 'go.mod'), GO_MOD);
    go(['get', '-tool', `${MODULE}/cmd/jaeger@v${JAEGER_VERSION}`], dir);
    go(['build', '-trimpath', '-o', join(dir, 'jaeger'), `${MODULE}/cmd/jaeger`], dir);
    place(join(dir, 'jaeger'), dest);
    log(`built Jaeger ${JAEGER_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Returns the path of a working Jaeger at the pinned version, building it if needed. */
export function ensureJaeger({ quiet = false } = {}) {
  const log = (m) => quiet || process.stderr.write(`[jaeger] ${m}\n`);
  return ensureGoTool({
    name: 'jaeger',
    version: JAEGER_VERSION,
    binary: 'jaeger',
    envVar: 'JAEGER',
    runs,
    build: (dest) => goBuild(dest, log),
    log,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    const path = ensureJaeger({ quiet: args.includes('--quiet') });
    if (args.includes('--print')) process.stdout.write(`${path}\n`);
    else if (!args.includes('--quiet')) process.stderr.write(`[jaeger] ${path}\n`);
  } catch (err) {
    process.stderr.write(`[jaeger] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
