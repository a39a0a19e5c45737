// The self-hosted Temporal server and its SQL tool, built from the Go module at the version
// docker-compose.yml deploys (so the test and the documented deployment cannot drift apart),
// cached under .tools/temporal-server-<version>/ (git-ignored, HERALD_TOOLS_DIR moves it, as for
// the CLI binaries). The schema files come from the same module's source in Go's module cache.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from './processes';

const ROOT = resolve(__dirname, '..', '..');
const MODULE = 'go.temporal.io/server';

export interface TemporalBuild {
  version: string;
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 in the module's source. */
  schemaDir: string;
  cached: boolean;
  buildMs: number;
}

/** The server version of compose's `temporalio/server:<version>` image. */
export function composeTemporalVersion(): string {
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const m = /image:\s*temporalio\/server:(\d+\.\d+\.\d+)/.exec(compose);
  if (!m) throw new Error('docker-compose.yml has no temporalio/server:<x.y.z> image');
  return m[1]!;
}

async function goAvailable(): Promise<void> {
  try {
    await run('go', ['version'], { timeoutMs: 20_000 });
  } catch {
    throw new Error(
      'the cluster test builds the Temporal server with Go, which is not installed: see https://go.dev/doc/install',
    );
  }
}

async function works(server: string, version: string): Promise<boolean> {
  if (!existsSync(server)) return false;
  try {
    return (await run(server, ['--version'], { timeoutMs: 20_000 })).includes(version);
  } catch {
    return false;
  }
}

export async function buildTemporal(log: (line: string) => void): Promise<TemporalBuild> {
  const t0 = Date.now();
  const version = composeTemporalVersion();
  const tools = resolve(process.env.HERALD_TOOLS_DIR ?? join(ROOT, '.tools'));
  const dir = join(tools, `temporal-server-${version}`);
  const server = join(dir, 'server');
  const sqlTool = join(dir, 'sql');
  await goAvailable();
  // Outside any module, so `go` resolves the pinned version from the proxy and nothing else.
  const goEnv = { ...process.env, GOFLAGS: '-buildvcs=false' };
  const cached = (await works(server, version)) && existsSync(sqlTool);
  if (!cached) {
    log(`building Temporal server ${version} and temporal-sql-tool with go install (a few minutes, once)`);
    // Into a scratch GOBIN first: an interrupted build leaves no half-filled cache behind.
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    try {
      await run(
        'go',
        ['install', `${MODULE}/cmd/server@v${version}`, `${MODULE}/cmd/tools/sql@v${version}`],
        { env: { ...goEnv, GOBIN: partial }, cwd: tmpdir(), timeoutMs: 40 * 60_000 },
      );
      rmSync(dir, { recursive: true, force: true });
      renameSync(partial, dir);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  const info = JSON.parse(
    await run('go', ['mod', 'download', '-json', `${MODULE}@v${version}`], {
      env: goEnv,
      cwd: tmpdir(),
      timeoutMs: 10 * 60_000,
    }),
  ) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${MODULE}@v${version}: ${info.Error ?? 'no Dir'}`);
  const schemaDir = join(info.Dir, 'schema', 'postgresql', 'v12');
  if (!existsSync(join(schemaDir, 'temporal', 'versioned')))
    throw new Error(`no PostgreSQL v12 schema in ${info.Dir}`);
  return { version, server, sqlTool, schemaDir, cached, buildMs: Date.now() - t0 };
}
