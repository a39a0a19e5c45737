// A self-hosted Temporal cluster as an operator runs one without auto-setup: the schemas applied
// with temporal-sql-tool (postgres12 plugin, the v12 schema folders), then frontend, history,
// matching and worker as four processes on one config file, on 127.0.0.1 with free ports, with
// the dynamic config docker-compose.yml mounts (deploy/temporal-dynamicconfig.yaml).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { createServer } from 'node:net';
import type { Postgres } from './postgres';
import { Fatal, run, until, type Proc, type Processes } from './processes';
import type { TemporalBuild } from './temporal-build';

export const SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
const DYNAMIC_CONFIG = resolve(__dirname, '..', '..', 'deploy', 'temporal-dynamicconfig.yaml');
const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' };

/** Each database created and brought to the latest schema version, as Temporal's docs describe. */
export async function applySchemas(build: TemporalBuild, pg: Postgres): Promise<void> {
  for (const [folder, db] of Object.entries(DATABASES)) {
    const tool = (...args: string[]) =>
      run(build.sqlTool, [
        '--plugin',
        'postgres12',
        '--endpoint',
        '127.0.0.1',
        '--port',
        String(pg.port),
        '--user',
        pg.user,
        '--password',
        pg.password,
        '--database',
        db,
        ...args,
      ]);
    await tool('create-database');
    await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', join(build.schemaDir, folder, 'versioned'));
  }
}

function serverConfig(
  pg: Postgres,
  ports: Record<string, { grpc: number; membership: number }>,
  http: number,
) {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (s: string) => ({
    rpc: {
      grpcPort: ports[s]!.grpc,
      membershipPort: ports[s]!.membership,
      bindOnIP: '127.0.0.1',
      ...(s === 'frontend' ? { httpPort: http } : {}),
    },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: 4,
      datastores: { default: store(DATABASES.temporal, 20), visibility: store(DATABASES.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(SERVICES.map((s) => [s, rpc(s)])),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend!.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: `127.0.0.1:${ports.frontend!.grpc}` },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG, pollInterval: '10s' },
  };
}

/**
 * A free port below 32768. Temporal's PostgreSQL schema stores membership ports as smallint, so
 * a port from the kernel's ephemeral range (32768 and up) makes a service die at start with
 * "value … is out of range for type smallint".
 */
async function lowFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((done) => {
      const srv = createServer();
      srv.once('error', () => done(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

export class TemporalCluster {
  private procs: Proc[] = [];
  private starts = 0;
  readonly address: string;

  private constructor(
    private readonly build: TemporalBuild,
    private readonly root: string,
    private readonly processes: Processes,
    frontendPort: number,
  ) {
    this.address = `127.0.0.1:${frontendPort}`;
  }

  /** Writes <dir>/config/development.yaml (the server's --root/--config/--env layout). */
  static async create(build: TemporalBuild, pg: Postgres, dir: string, processes: Processes) {
    const ports: Record<string, { grpc: number; membership: number }> = {};
    const taken = new Set<number>();
    for (const s of SERVICES)
      ports[s] = { grpc: await lowFreePort(taken), membership: await lowFreePort(taken) };
    const config = serverConfig(pg, ports, await lowFreePort(taken));
    mkdirSync(join(dir, 'config'), { recursive: true });
    writeFileSync(join(dir, 'config', 'development.yaml'), stringify(config));
    return new TemporalCluster(build, dir, processes, ports.frontend!.grpc);
  }

  /**
   * Starts the four services and waits until the frontend answers; returns how long it took.
   * On an empty database the first process writes the cluster metadata, and two doing it at
   * once fail on its primary key: so the frontend starts alone the first time.
   */
  async start(): Promise<number> {
    const t0 = Date.now();
    this.starts++;
    this.procs = [];
    const first = this.starts === 1 ? ['frontend'] : [];
    for (const group of [first, SERVICES.filter((s) => !first.includes(s))]) {
      if (group.length === 0) continue;
      for (const service of group) this.procs.push(this.spawn(service));
      await this.waitForFrontend();
    }
    return Date.now() - t0;
  }

  private spawn(service: string): Proc {
    return this.processes.start(`temporal-${service}-${this.starts}`, this.build.server, [
      '--root',
      this.root,
      '--config',
      'config',
      '--env',
      'development',
      '--allow-no-auth',
      'start',
      '--service',
      service,
    ]);
  }

  private async waitForFrontend(): Promise<void> {
    await until(
      'the Temporal frontend',
      async () => {
        const dead = this.procs.find((p) => p.exited());
        if (dead) throw new Fatal(`temporal ${dead.name} exited; see ${dead.logFile}`);
        const conn = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          await conn.workflowService.getSystemInfo({});
          return true;
        } finally {
          await conn.close();
        }
      },
      90_000,
    );
  }

  /** The services' process ids (the benchmark's `--cluster` splits CPU time by them). */
  pids(): number[] {
    return this.procs.flatMap((p) => (p.child.pid === undefined ? [] : [p.child.pid]));
  }

  /** kill -9 of all four at once: nothing is flushed, only what PostgreSQL committed survives. */
  async kill9(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.kill9()));
  }
}
