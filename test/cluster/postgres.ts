// A throw-away PostgreSQL from Debian's package: a fresh cluster (initdb) in a temp directory,
// listening on 127.0.0.1 only, on a free port, so it never touches a PostgreSQL the machine
// already runs. Installed with apt-get when missing (as root; otherwise we say what to run).
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/ports';
import { run, type Processes } from './processes';

export interface Postgres {
  port: number;
  user: string;
  password: string;
  version: string;
}

/** initdb and pg_ctl of the newest installed major version (Debian keeps them off PATH). */
function findBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

const isRoot = () => process.getuid?.() === 0;

async function ensureInstalled(log: (line: string) => void): Promise<string> {
  const found = findBinDir();
  if (found) return found;
  if (!isRoot())
    throw new Error('PostgreSQL is not installed; run: sudo apt-get install -y postgresql (then run again)');
  log('installing PostgreSQL with apt-get (Debian package postgresql)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, timeoutMs: 10 * 60_000 });
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
    env,
    timeoutMs: 15 * 60_000,
  });
  const bin = findBinDir();
  if (!bin) throw new Error('apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/initdb');
  return bin;
}

/**
 * Starts PostgreSQL in `dir`. PostgreSQL refuses to run as root, so as root it runs as the
 * package's `postgres` user. Password auth is `trust`: the server only listens on 127.0.0.1 and
 * lives as long as the test.
 */
export async function startPostgres(
  dir: string,
  procs: Processes,
  log: (line: string) => void,
): Promise<Postgres> {
  const bin = await ensureInstalled(log);
  const version = (await run(join(bin, 'pg_ctl'), ['--version']))
    .trim()
    .replace(/^pg_ctl \(PostgreSQL\) /, '');
  const asOwner = (cmd: string, args: string[]) =>
    isRoot() ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  const data = join(dir, 'pgdata');
  mkdirSync(data, { recursive: true });
  if (isRoot()) {
    // The temp dir is root's (mode 700): let the postgres user reach and own its data directory.
    chmodSync(dir, 0o755);
    await run('chown', ['-R', 'postgres:postgres', data]);
  }
  const user = 'temporal';
  await asOwner('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // Four Temporal services with their connection pools (20 + 2 each by default) need more than 100.
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${data} -c max_connections=300`;
  procs.onCleanup(async () => {
    await asOwner('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).catch(() =>
      asOwner('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']),
    );
  });
  await asOwner('pg_ctl', [
    '-D',
    data,
    '-l',
    join(data, 'server.log'),
    '-o',
    options,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  return { port, user, password: 'temporal', version };
}
