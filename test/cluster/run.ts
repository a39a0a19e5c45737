// npm run test:cluster (issue 19): Herald on a real multi-service Temporal cluster on
// PostgreSQL, the topology docker-compose.yml deploys, with every process on 127.0.0.1.
// Temporal 1.27 (compose's version) is built from its Go module and cached; PostgreSQL comes from
// Debian's package. Four Temporal services, two Herald workers and two APIs as separate
// processes; then delivery through both APIs, kill -9 of a worker, kill -9 and restart of all
// of Temporal, and queries by the search attributes. Everything started is stopped, also on
// failure or Ctrl-C; the last line is the summary: PASS or FAIL, with counts and durations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { checkSearchAttributes, Scenario } from './checks';
import { ENCRYPTION_KEY, heraldEnv, runHerald, startHerald, type HeraldNode } from './herald';
import { startPostgres } from './postgres';
import { Processes } from './processes';
import { buildTemporal } from './temporal-build';
import { applySchemas, TemporalCluster } from './temporal-cluster';

/** Everything after the build; a hang anywhere ends the run as a failure. */
const TEST_TIMEOUT_MS = 12 * 60_000;
const NAMESPACE = 'herald';

const t0 = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'herald-cluster-'));
const procs = new Processes(dir);
const facts: string[] = [];
let phase = 'build';
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[cluster ${secs(Date.now() - t0)}] ${line}`);
const step = (name: string) => {
  phase = name;
  log(name);
};

async function main(): Promise<void> {
  const build = await buildTemporal(log);
  facts.push(`Temporal ${build.version} ${build.cached ? 'cached' : 'built'} in ${secs(build.buildMs)}`);
  const watchdog = setTimeout(
    () => void finish(new Error(`not done within ${secs(TEST_TIMEOUT_MS)}`)),
    TEST_TIMEOUT_MS,
  );
  watchdog.unref();

  step('PostgreSQL');
  const pg = await startPostgres(dir, procs, log);
  step(`schemas with temporal-sql-tool (PostgreSQL ${pg.version} on port ${pg.port})`);
  await applySchemas(build, pg);

  step('Temporal: frontend, history, matching, worker as four processes');
  const temporal = await TemporalCluster.create(build, pg, join(dir, 'temporal'), procs);
  const firstStart = await temporal.start();
  facts.push(`4 Temporal services up in ${secs(firstStart)}`);
  const env = heraldEnv(temporal.address, NAMESPACE, `herald-${randomBytes(3).toString('hex')}`);

  step('fail fast: npm run api before the namespace exists');
  const refused = await runHerald(procs, ['api'], env);
  if (refused.code === 0 || !/does not exist.*setup:temporal -- --create-namespace/.test(refused.stderr))
    throw new Error(
      `api started without its namespace (exit ${refused.code}): ${refused.stdout}${refused.stderr}`,
    );
  step('npm run setup:temporal -- --create-namespace');
  const setup = await runHerald(procs, ['setup', '--create-namespace'], env);
  if (setup.code !== 0) throw new Error(`setup failed: ${setup.stdout}${setup.stderr}`);
  log(setup.stdout.trim().replace(/\n/g, ' '));

  step('Herald: 2 workers and 2 APIs');
  const workers: HeraldNode[] = [];
  const apis: HeraldNode[] = [];
  for (const n of [1, 2]) workers.push(await startHerald(procs, `herald-worker-${n}`, 'worker', env));
  for (const n of [1, 2]) apis.push(await startHerald(procs, `herald-api-${n}`, 'api', env));
  const scenario = new Scenario(apis);
  procs.onCleanup(() => scenario.close());

  step('delivery through both APIs');
  await scenario.subscribe();
  let t = Date.now();
  await scenario.publish(60);
  await scenario.converge('delivery');
  facts.push(`delivery ${secs(Date.now() - t)}`);

  step('kill -9 of a worker with deliveries in flight');
  scenario.setBehaviour('hold');
  await scenario.publish(10);
  await scenario.waitForNewRequests();
  const held = scenario.latestIds();
  t = Date.now();
  await workers[0]!.proc.kill9();
  await scenario.publish(20);
  scenario.setBehaviour('ok');
  scenario.releaseHeld();
  await scenario.converge('after the worker was killed');
  scenario.assertAcknowledged(held);
  facts.push(`worker kill -9 recovered in ${secs(Date.now() - t)}`);
  workers[0] = await startHerald(procs, 'herald-worker-3', 'worker', env);

  step('kill -9 of all four Temporal processes during retries, then a restart');
  scenario.setBehaviour('fail');
  await scenario.publish(10);
  await scenario.waitForNewRequests();
  await scenario.publish(10);
  t = Date.now();
  await temporal.kill9();
  const restart = await temporal.start();
  scenario.setBehaviour('ok');
  await scenario.publish(20);
  await scenario.converge('after the Temporal restart');
  facts.push(`Temporal restart ${secs(restart)}, recovered in ${secs(Date.now() - t)}`);

  step('queries by the search attributes (PostgreSQL visibility)');
  const connection = await Connection.connect({ address: temporal.address });
  procs.onCleanup(() => connection.close());
  const client = new Client({
    connection,
    namespace: NAMESPACE,
    dataConverter: heraldDataConverter(ENCRYPTION_KEY),
  });
  const queries = await checkSearchAttributes(
    client,
    scenario.subscribers.map((s) => s.id),
  );

  const c = scenario.counts();
  facts.unshift(
    `${c.changes} changes (${scenario.published.join(' + ')} requests via 2 APIs) to 2 subscriptions`,
    `${c.keys} keys converged at both receivers`,
    `${c.verified}/${c.requests} POSTs signature-verified (${c.resent} re-sent webhook-ids)`,
    `${queries} search-attribute queries`,
  );
}

let finished = false;
async function finish(err?: unknown): Promise<void> {
  if (finished) return;
  finished = true;
  // main() may go on a step or two while everything is stopped: report where it was.
  const at = phase;
  if (err) {
    console.error(`\n[cluster] failed during "${at}": ${err instanceof Error ? err.stack : String(err)}`);
    console.error(procs.tails());
  }
  await procs.stopAll();
  if (err) console.error(`[cluster] logs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  const verdict = err ? `FAIL at "${at}"` : 'PASS';
  console.log(`test:cluster ${verdict}: ${facts.join('; ')}; total ${secs(Date.now() - t0)}`);
  process.exit(err ? 1 : 0);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void finish(new Error(`interrupted by ${signal}`)));
main().then(
  () => finish(),
  (err: unknown) => finish(err),
);
