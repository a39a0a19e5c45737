// Issue 19: Herald on a Temporal cluster that is not set up for it. `npm run api` and
// `npm run worker` refuse to start with one line saying what to run (they used to print
// "Herald is running" and log warnings); /readyz is 503 until the namespace and the search
// attributes are there; `setup:temporal --create-namespace` creates both, with a retention.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { startApiServer, type ApiServer } from '../../src/api/server';
import { loadCatalog } from '../../src/catalog/catalog';
import { createMetrics } from '../../src/metrics';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { HERALD_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { setupProblem } from '../../src/temporal/setup';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { freePort } from '../helpers/ports';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';

const ROOT = resolve(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The child is configured only by `env`: nothing of the test runner's environment leaks in. */
const childEnv = (env: Record<string, string>) => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('HERALD_') && !k.startsWith('TEMPORAL_') && k !== 'NODE_TEST_CONTEXT',
    ),
  ),
  ...env,
});

/**
 * `npm run --silent <script> [-- args]` (npm's own banner and error lines off) in a process group
 * of its own: npm's shell does not pass a SIGTERM on to tsx and node, so the group is signalled.
 */
function spawnNpm(script: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(NPM, ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // The group is gone already.
    }
  };
  return { child, exited, signal };
}

/** `npm run --silent <script> [-- args]` to its exit. */
async function npmRun(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child, exited, signal } = spawnNpm(script, env, args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => signal('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** `npm run --silent <script>` until it prints its banner, then SIGTERM: it started. */
async function startsAndStops(script: string, env: Record<string, string>): Promise<string> {
  const { child, signal } = spawnNpm(script, env);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // 'close': every process of the group holding the pipes has ended, not just npm.
  const closed = new Promise((r) => child.once('close', r));
  const end = Date.now() + 60_000;
  while (!out.includes('Herald is running') && child.exitCode === null && Date.now() < end)
    await new Promise((r) => setTimeout(r, 100));
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 15_000);
  await closed;
  clearTimeout(timer);
  return out;
}

/** The refusal: a non-zero exit, Herald's one line on stderr, no stack trace, no banner. */
function assertRefused(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0, `exit code\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stdout, /Herald is running/);
}

void describe('a Temporal cluster without Herald set up', () => {
  let t: TemporalHarness;
  let api: ApiServer;
  const namespace = `herald-${randomBytes(4).toString('hex')}`;
  let env: Record<string, string>;

  before(async () => {
    t = await startTemporal();
    env = {
      TEMPORAL_ADDRESS: t.address,
      TEMPORAL_NAMESPACE: namespace,
      HERALD_ADMIN_KEY: TEST_ADMIN_KEY,
      HERALD_PUBLISH_KEY: TEST_PUBLISH_KEY,
      HERALD_ENCRYPTION_KEY: t.config.encryptionKeys,
      HERALD_PORT: String(await freePort()),
      HERALD_LOG_LEVEL: 'warn',
    };
    // The API's routes over a client of the missing namespace, to watch /readyz change.
    const client = new Client({ connection: t.client.connection, namespace });
    const config = { ...t.config, temporal: { ...t.config.temporal, namespace } };
    api = await startApiServer({
      config,
      client,
      catalog: loadCatalog(config.eventCatalogPath),
      codec: createEncryptionCodec(config.encryptionKeys),
      metrics: createMetrics(),
      host: '127.0.0.1',
      port: 0,
    });
  });
  after(async () => {
    await api?.close();
    await t?.teardown();
  });

  const readyz = async () => {
    const res = await fetch(`${api.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
  };

  void it('npm run api / worker / setup:temporal refuse a missing namespace with one line', async () => {
    const wantCreate = new RegExp(
      `namespace "${namespace}" does not exist.*npm run setup:temporal -- --create-namespace`,
    );
    assertRefused(await npmRun('api', env), wantCreate);
    assertRefused(await npmRun('worker', env), wantCreate);
    assertRefused(await npmRun('setup:temporal', env), wantCreate);
    const ready = await readyz();
    assert.equal(ready.status, 503);
    assert.equal(ready.body.error, 'temporal_not_set_up');
    assert.match(ready.body.message!, /does not exist.*--create-namespace/);
  });

  void it('setup:temporal --create-namespace --retention 72h creates it; then api starts', async () => {
    const r = await npmRun('setup:temporal', env, ['--create-namespace', '--retention', '72h']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Created namespace ${namespace} \\(retention 3d\\)`));
    const described = await t.client.connection.workflowService.describeNamespace({ namespace });
    assert.equal(Number(described.config?.workflowExecutionRetentionTtl?.seconds), 72 * 3600);
    const { customAttributes } = await t.client.connection.operatorService.listSearchAttributes({
      namespace,
    });
    for (const [name] of HERALD_SEARCH_ATTRIBUTES) assert.ok(name in customAttributes!, `${name} registered`);
    assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready' } });
    assert.match(await startsAndStops('api', env), /Herald is running \(api\)/);
    // Run again: nothing to do, and it says so.
    const again = await npmRun('setup:temporal', env, ['--create-namespace']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /exists \(retention 3d\)[\s\S]*already registered/);
  });

  void it('a namespace without the search attributes: refused, and /readyz names them', async () => {
    const bare = `${namespace}-bare`;
    await t.client.connection.workflowService.registerNamespace({
      namespace: bare,
      workflowExecutionRetentionPeriod: msNumberToTs(86_400_000),
    });
    const names = HERALD_SEARCH_ATTRIBUTES.map(([name]) => name).join(', ');
    const refusal = await npmRun('api', { ...env, TEMPORAL_NAMESPACE: bare });
    assertRefused(
      refusal,
      new RegExp(`search attributes ${names} are not registered.*npm run setup:temporal$`),
    );
    const bareApi = new Client({ connection: t.client.connection, namespace: bare });
    assert.match((await setupProblem(bareApi))!, /are not registered/);
    const r = await npmRun('setup:temporal', { ...env, TEMPORAL_NAMESPACE: bare });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Registered ${names}`));
  });
});
