// docker-compose.yml and the Dockerfile (issue 6). With the docker client and its compose plugin
// present, `docker compose config -q` is the judge; without them the file is checked
// structurally with the yaml package, so the test runs (and can fail) on every machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { LATENCY_ARGS } from '../../src/temporal/dev-server';
import { DEFAULT_RETENTION } from '../../src/temporal/setup';
import { composeTemporalVersion } from '../cluster/temporal-build';

const ROOT = resolve(__dirname, '..', '..');
const COMPOSE = join(ROOT, 'docker-compose.yml');

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  entrypoint?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
};

const composeAvailable = () =>
  spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 10_000 }).status === 0;

void describe('docker-compose.yml', () => {
  const doc = parse(readFileSync(COMPOSE, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const s = doc.services;

  void test('docker compose config accepts it (or, without compose, its structure holds)', () => {
    if (composeAvailable()) {
      const r = spawnSync('docker', ['compose', '-f', COMPOSE, 'config', '-q'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      console.log('  checked by docker compose config -q');
    } else {
      console.log('  docker compose not available: checked structurally with the yaml package');
    }
    assert.deepEqual(Object.keys(s).sort(), [
      'api',
      'grafana',
      'lb',
      'postgresql',
      'prometheus',
      'setup',
      'temporal',
      'temporal-admin-tools',
      'temporal-ui',
      'worker',
    ]);
    assert.match(s.postgresql!.image!, /^postgres:/);
    // The server image, not auto-setup (which Temporal documents as not for production).
    assert.match(s.temporal!.image!, /^temporalio\/server:\d+\.\d+\.\d+$/);
    assert.doesNotMatch(readFileSync(COMPOSE, 'utf8'), /auto-setup/);
    assert.equal(s.temporal!.environment!.DB, 'postgres12');
    assert.equal(s.temporal!.environment!.POSTGRES_SEEDS, 'postgresql');
    assert.match(s['temporal-ui']!.image!, /^temporalio\/ui:\d/);
    assert.match(
      s['temporal-ui']!.environment!.TEMPORAL_CODEC_ENDPOINT!,
      /\/codec\/ui\/\$\{HERALD_CODEC_UI_TOKEN/,
    );
  });

  void test('Herald services: built image, commands, environment, health checks, start order', () => {
    for (const name of ['setup', 'api', 'worker']) {
      const svc = s[name]!;
      assert.ok(svc.build, `${name} is built from the Dockerfile`);
      assert.equal(svc.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
      assert.equal(svc.environment!.HERALD_HOST, '0.0.0.0');
      assert.deepEqual(svc.command!.slice(0, 2), ['node', 'dist/src/main.js']);
    }
    assert.equal(s.setup!.command![2], 'setup');
    assert.equal(s.setup!.restart, 'no');
    assert.equal(s.setup!.depends_on!.temporal!.condition, 'service_healthy');
    assert.equal(s.api!.command![2], 'api');
    assert.equal(s.worker!.command![2], 'worker');
    assert.equal(s.worker!.environment!.HERALD_METRICS_PORT, '9464');
    for (const name of ['api', 'worker'])
      assert.equal(s[name]!.depends_on!.setup!.condition, 'service_completed_successfully');
    assert.match(s.api!.healthcheck!.test.join(' '), /\/readyz/);
    assert.match(s.worker!.healthcheck!.test.join(' '), /:9464\/healthz/);
    for (const name of ['postgresql', 'temporal']) assert.ok(s[name]!.healthcheck, `${name} health check`);
    // postgresql (healthy) → temporal-admin-tools (schemas) → temporal (healthy) → setup → api, worker.
    assert.equal(s['temporal-admin-tools']!.depends_on!.postgresql!.condition, 'service_healthy');
    assert.equal(
      s.temporal!.depends_on!['temporal-admin-tools']!.condition,
      'service_completed_successfully',
    );
    assert.equal(s['temporal-ui']!.depends_on!.temporal!.condition, 'service_healthy');
    // Replicas of api publish no port (they could not share one); the load balancer does.
    assert.equal(s.api!.ports, undefined);
    assert.equal(s.worker!.ports, undefined);
    assert.equal(s.lb!.depends_on!.api!.condition, 'service_healthy');
    for (const v of [...(s.temporal!.volumes ?? []), ...(s.lb!.volumes ?? [])]) {
      const host = v.split(':')[0]!;
      if (host.startsWith('./')) assert.ok(existsSync(join(ROOT, host)), `${host} exists`);
    }
  });

  void test('Prometheus and Grafana: the deploy/ files mounted, rules loaded, ports on 127.0.0.1 only', () => {
    const prom = s.prometheus!;
    assert.match(prom.image!, /^prom\/prometheus:v\d+\.\d+\.\d+$/);
    // The Prometheus release whose promtool (scripts/promtool.mjs) checks the rules.
    const promtool = readFileSync(join(ROOT, 'scripts', 'promtool.mjs'), 'utf8');
    const pinned = /PROMTOOL_VERSION \?\? '0\.(\d+)\.(\d+)'/.exec(promtool)!;
    assert.equal(prom.image, `prom/prometheus:v3.${Number(pinned[1]) - 300}.${pinned[2]}`);
    assert.ok(prom.command!.includes('--config.file=/etc/prometheus/prometheus.yml'));
    const config = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    for (const rules of config.rule_files)
      assert.ok(
        prom.volumes!.includes(`./deploy/prometheus/${rules}:/etc/prometheus/${rules}:ro`),
        `${rules} is mounted beside prometheus.yml`,
      );
    assert.ok(prom.volumes!.includes('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro'));
    // Every replica is scraped where it serves metrics: api /metrics, the worker's two listeners.
    const targets = config.scrape_configs.flatMap((c) =>
      (c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
    );
    assert.deepEqual(targets.sort(), ['api:3000', 'worker:9464', 'worker:9465']);
    assert.equal(s.worker!.environment!.HERALD_SDK_METRICS_ADDRESS, '0.0.0.0:9465');
    assert.deepEqual(s.worker!.expose, ['9464', '9465']);

    const grafana = s.grafana!;
    assert.match(grafana.image!, /^grafana\/grafana:\d+\.\d+\.\d+$/);
    assert.ok(grafana.volumes!.includes('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro'));
    assert.ok(grafana.volumes!.includes('./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro'));
    assert.equal(grafana.depends_on!.prometheus!.condition, 'service_healthy');
    assert.ok(prom.healthcheck, 'prometheus health check');
    for (const svc of [prom, grafana]) {
      assert.equal(svc.ports!.length, 1);
      assert.match(svc.ports![0]!, /^127\.0\.0\.1:\d+:\d+$/);
      for (const v of svc.volumes!) {
        const host = v.split(':')[0]!;
        if (host.startsWith('./')) assert.ok(existsSync(join(ROOT, host)), `${host} exists`);
      }
    }
  });

  void test('temporal-admin-tools sets up both schemas with temporal-sql-tool before the server starts', () => {
    const tools = s['temporal-admin-tools']!;
    const version = s.temporal!.image!.split(':')[1];
    // The same release as the server, so the schema is the one that server expects.
    assert.equal(tools.image, `temporalio/admin-tools:${version}`);
    assert.equal(tools.restart, 'no');
    assert.equal(tools.depends_on!.postgresql!.condition, 'service_healthy');
    assert.equal(
      s.temporal!.depends_on!['temporal-admin-tools']!.condition,
      'service_completed_successfully',
    );
    assert.equal(
      s.temporal!.depends_on!.postgresql,
      undefined,
      'the server waits for the schema, not just the database',
    );
    const script = [...(tools.entrypoint ?? []), ...(tools.command ?? [])].join('\n');
    assert.match(script, /set -eu/);
    assert.match(script, /temporal-sql-tool --plugin postgres12 --endpoint postgresql --port 5432/);
    // The steps and schema folders the cluster test (test/cluster/temporal-cluster.ts) applies.
    for (const [db, folder] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ]) {
      const steps = [
        `--database ${db} create-database`,
        `--database ${db} setup-schema -v 0.0`,
        `--database ${db} update-schema -d "$$schema/${folder}/versioned"`,
      ].map((step) => script.indexOf(step));
      assert.ok(
        steps.every((i) => i >= 0),
        `${db}: create-database, setup-schema, update-schema`,
      );
      assert.deepEqual(
        steps,
        [...steps].sort((a, b) => a - b),
        `${db}: in that order`,
      );
    }
    assert.match(script, /schema=\/etc\/temporal\/schema\/postgresql\/v12\n/);
    // `$$` is compose's escape for a `$` the shell sees; a single `$` would be interpolated.
    assert.doesNotMatch(script.replaceAll('$$', ''), /\$/);
    // The server's health check needs no tctl.
    const health = s.temporal!.healthcheck!.test.join(' ');
    assert.doesNotMatch(health, /tctl/);
    assert.match(health, /temporal operator cluster health .*7233.*SERVING/);
  });

  void test('the cluster test builds the Temporal version compose deploys', () => {
    assert.equal(`temporalio/server:${composeTemporalVersion()}`, s.temporal!.image);
  });

  void test('Temporal gets the dynamic config Herald needs, and the namespace is made for it', () => {
    const mount = s.temporal!.volumes!.find((v) => v.includes('dynamicconfig'))!;
    const config = parse(readFileSync(join(ROOT, mount.split(':')[0]!), 'utf8')) as Record<
      string,
      { value: unknown }[]
    >;
    // The cluster test (npm run test:cluster) runs its PostgreSQL-backed Temporal on this same file.
    assert.equal(config['history.timerProcessorMaxTimeShift']![0]!.value, '10ms');
    // The same queue-read rates as the embedded server's LATENCY_ARGS.
    for (const q of ['timer', 'transfer', 'visibility']) {
      const arg = LATENCY_ARGS.find((a) => a.startsWith(`history.${q}ProcessorMaxPollRPS=`));
      assert.equal(
        `history.${q}ProcessorMaxPollRPS=${config[`history.${q}ProcessorMaxPollRPS`]![0]!.value}`,
        arg,
      );
    }
    assert.equal(config['system.forceSearchAttributesCacheRefreshOnRead']![0]!.value, true);
    // The server image creates no namespace: Herald's setup does, with its default retention
    // (7 days), as in the cluster test.
    assert.equal(s.temporal!.environment!.DEFAULT_NAMESPACE, undefined);
    assert.deepEqual(s.setup!.command!.slice(2), ['setup', '--create-namespace']);
    assert.equal(DEFAULT_RETENTION, '7d');
  });

  void test('the Dockerfile is multi-stage, builds the bundle and ships production deps only', () => {
    const file = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = file.match(/^FROM .+ AS (\w+)$/gm) ?? [];
    assert.deepEqual(
      stages.map((l) => l.split(' AS ')[1]),
      ['build', 'runtime'],
    );
    // Node 24 LTS (package.json's engines allow 22 and later).
    assert.match(file, /^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    const [build, runtime] = file.split(/^FROM .+ AS runtime$/m);
    assert.match(build!, /RUN npm ci/);
    assert.match(build!, /RUN npm run build/);
    assert.match(runtime!, /npm ci --omit=dev/);
    assert.match(runtime!, /HERALD_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/);
    assert.match(runtime!, /COPY --from=build \/app\/dist \.\/dist/);
    assert.match(runtime!, /^USER node$/m);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.build!, /tsc -p tsconfig\.build\.json && tsx scripts\/bundle-workflows\.ts/);
  });
});
