// The process: `npm start` (embedded Temporal + worker + API), `npm run api`, `npm run worker`,
// `npm run setup:temporal`. Owns signals and the exit code.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { startHerald, type Mode } from './runtime';
import { createTemporalClient } from './temporal/client';
import { DEFAULT_RETENTION, parseRetention, setupTemporal } from './temporal/setup';

/** `setup [--create-namespace] [--retention 7d]`: the namespace when asked, then the search attributes. */
async function setup(args: string[]): Promise<void> {
  let values: { 'create-namespace'?: boolean; retention?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { 'create-namespace': { type: 'boolean' }, retention: { type: 'string' } },
    }));
  } catch (err) {
    throw new ConfigError(
      `setup: ${(err as Error).message}; use setup [--create-namespace] [--retention 7d]`,
    );
  }
  const config = loadConfig();
  const days = config.retentionDays;
  const retentionMs = parseRetention(values.retention ?? (days ? `${days}d` : DEFAULT_RETENTION));
  const address = config.temporal.address;
  if (!address)
    throw new ConfigError(
      'setup:temporal needs TEMPORAL_ADDRESS (the embedded server registers its attributes itself)',
    );
  const client = await createTemporalClient(config);
  try {
    await setupTemporal(client, address, {
      createNamespace: values['create-namespace'] ?? false,
      retentionMs,
      updateRetention: values.retention !== undefined || days !== undefined,
    });
  } finally {
    await client.connection.close();
  }
}

/** SIGTERM ends everything within this, however busy the worker is (issue 13 §6). */
const HARD_STOP_MS = 13_000;

async function run(mode: Mode): Promise<void> {
  const config = loadConfig();
  const herald = await startHerald(config, mode);
  const lines = [`Herald is running (${mode === 'all' ? 'API + worker' : mode}).`];
  if (herald.api) {
    lines.push(`  API          ${herald.api.url}  (docs: ${herald.api.url}/docs)`);
    lines.push(`  Console      ${herald.api.url}/console`);
  }
  lines.push(
    `  Temporal     ${herald.address}${herald.devServer ? ` (embedded, state in ${herald.devServer.dbFile})` : ''}`,
  );
  if (herald.devServer) lines.push(`  Temporal UI  ${herald.devServer.uiUrl}`);
  if (config.generatedKeysFile)
    lines.push(`  Keys         admin, publish and encryption keys in ${config.generatedKeysFile}`);
  lines.push(
    `  Insecure URLs ${config.allowInsecureUrls ? 'ALLOWED (http:, any port, private addresses: local development only)' : 'refused (https on port 443 only)'}`,
  );
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down…`);
    // Orchestrators kill after a grace period (Kubernetes: 30 s, compose: 10 s by default);
    // whatever still hangs then is cut here, the embedded server first, so nothing outlives us.
    setTimeout(() => {
      console.error(`shutdown took over ${HARD_STOP_MS} ms; forcing exit`);
      herald.devServer?.process.kill('SIGKILL');
      process.exit(1);
    }, HARD_STOP_MS).unref();
    herald.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

const arg = process.argv[2] ?? 'all';
const task =
  arg === 'setup'
    ? setup(process.argv.slice(3))
    : ['all', 'api', 'worker'].includes(arg)
      ? run(arg as Mode)
      : Promise.reject(new ConfigError(`unknown mode ${arg}; use api, worker or setup`));
task.catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
