// `--cluster`: the benchmark's Temporal is the topology docker-compose.yml deploys, four
// services on PostgreSQL (its default fsync on every commit), built and started by the cluster
// test's own code on 127.0.0.1, instead of the embedded dev server on SQLite. It answers whether
// a figure is bound by the embedded engine or by the machine.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { setupTemporal } from '../src/temporal/setup';
import { processes } from '../test/helpers/herald-process';
import { startPostgres } from '../test/cluster/postgres';
import { Processes } from '../test/cluster/processes';
import { buildTemporal } from '../test/cluster/temporal-build';
import { applySchemas, TemporalCluster } from '../test/cluster/temporal-cluster';
import type { PidSet } from './cpu';

export interface BenchTemporal {
  address: string;
  /** The engine's processes, for the CPU split of each phase. */
  pids: Record<string, PidSet>;
  /** The process whose RSS the memory phase reports (the dev server), if there is one. */
  mainPid?: number;
  stop(): Promise<void>;
}

/** Every process named `postgres` (the postmaster and its backends; the bench starts the only one). */
const postgresPids = (): number[] =>
  processes()
    .filter((p) => p.comm === 'postgres')
    .map((p) => p.pid);

export async function startPgTemporal(dir: string, log: (line: string) => void): Promise<BenchTemporal> {
  const procs = new Processes(dir);
  try {
    const build = await buildTemporal(log);
    const pg = await startPostgres(dir, procs, log);
    await applySchemas(build, pg);
    const cluster = await TemporalCluster.create(build, pg, join(dir, 'temporal'), procs);
    await cluster.start();
    const connection = await Connection.connect({ address: cluster.address });
    try {
      // The namespace the dev server has from the start, with Herald's search attributes.
      const client = new Client({ connection, namespace: 'default' });
      await setupTemporal(client, cluster.address, { createNamespace: true, retentionMs: 86_400_000, log });
    } finally {
      await connection.close();
    }
    log(`Temporal ${build.version}: 4 services on PostgreSQL ${pg.version}, ${cluster.address}`);
    return {
      address: cluster.address,
      pids: { temporal: () => cluster.pids(), postgres: postgresPids },
      stop: () => procs.stopAll(),
    };
  } catch (err) {
    console.error(procs.tails());
    await procs.stopAll();
    throw err;
  }
}
