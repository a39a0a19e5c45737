// deploy/prometheus and deploy/grafana: promtool (built from its Go module by
// scripts/promtool.mjs, cached) checks the config and the rules and runs the rules' unit tests;
// the dashboard parses, every panel queries the provisioned datasource, and every metric a
// panel or a rule uses is one Herald exports (src/metrics.ts) or a documented default metric of
// prom-client, the Temporal SDK or Prometheus. Never skipped: without Go (and no cached
// promtool) the first test fails and says how to provide one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '..', '..');
const PROM = join(ROOT, 'deploy', 'prometheus');
const GRAFANA = join(ROOT, 'deploy', 'grafana');
const SCRIPT = join(ROOT, 'scripts', 'promtool.mjs');

/**
 * Metrics that are not Herald's own, each checked below against the source that defines it
 * (so a rename upstream fails here, not silently in a dashboard):
 * - Temporal SDK (Core) worker metrics, exported on HERALD_SDK_METRICS_ADDRESS with the default
 *   `temporal_` prefix and histograms in milliseconds (docs.temporal.io/references/sdk-metrics);
 * - prom-client's default process metrics (collectDefaultMetrics in src/metrics.ts);
 * - Prometheus's own `up` series of every scrape target.
 */
const SDK_METRICS = [
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_workflow_task_execution_latency',
  'temporal_activity_execution_latency',
  'temporal_worker_task_slots_available',
  'temporal_sticky_cache_size',
];
const PROM_CLIENT_DEFAULTS = [
  'nodejs_eventloop_lag_p99_seconds',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];
const PROMETHEUS_BUILTIN = ['up'];

let promtool = '';
const runPromtool = (args: string[]) =>
  spawnSync(promtool, args, { cwd: PROM, encoding: 'utf8', timeout: 120_000 });

/**
 * Names Herald registers (`name: 'herald_…'` in src/metrics.ts, `gauge('herald_…'` in
 * src/subscription-metrics.ts), with a histogram's series, and the series alerts.yml records.
 */
function heraldMetrics(): Set<string> {
  const src = ['metrics.ts', 'subscription-metrics.ts']
    .map((f) => readFileSync(join(ROOT, 'src', f), 'utf8'))
    .join('');
  const names = new Set<string>();
  for (const m of src.matchAll(/new (Counter|Gauge|Histogram)\(\{\s*name: '([a-z_:]+)'/g)) {
    names.add(m[2]!);
    if (m[1] === 'Histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[2]! + s);
  }
  for (const m of src.matchAll(/gauge\(\s*'(herald_[a-z_]+)'/g)) names.add(m[1]!);
  for (const r of ruleExprs()) if (r.record) names.add(r.record);
  return names;
}

const PROMQL_WORDS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ' +
    'ignoring group_left group_right and or unless bool offset rate irate increase delta idelta ' +
    'histogram_quantile abs clamp_min clamp_max vector scalar time label_replace ' +
    'label_join absent absent_over_time sum_over_time avg_over_time max_over_time min_over_time ' +
    'count_over_time deriv predict_linear resets changes round ceil floor sort sort_desc inf nan'
  ).split(' '),
);

/** The metric names a PromQL expression reads (labels, functions, strings and ranges removed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '')
    .replace(/\b\d[\w.]*/g, ''); // numbers and durations: 0.95, 1e3, 5m
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\()?)/g)) {
    if (m[1] || PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

type Panel = {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
};

const dashboards = () =>
  readdirSync(join(GRAFANA, 'dashboards'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(join(GRAFANA, 'dashboards', f), 'utf8')) }));

type Rule = { alert?: string; record?: string; expr: string };
function ruleExprs(): Rule[] {
  const doc = parse(readFileSync(join(PROM, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

void describe('deploy/prometheus (promtool)', () => {
  before(() => {
    const r = spawnSync(process.execPath, [SCRIPT, '--print'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 1_800_000,
    });
    assert.equal(
      r.status,
      0,
      'scripts/promtool.mjs could not provide promtool (its message is above): these checks need Go ' +
        'to build it, or PROMTOOL pointing at a promtool binary',
    );
    promtool = r.stdout.trim();
    assert.ok(existsSync(promtool), promtool);
  });

  void test('promtool check config prometheus.yml (with its rule files)', () => {
    const r = runPromtool(['check', 'config', 'prometheus.yml']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /alerts\.yml/);
  });

  void test('promtool check rules alerts.yml', () => {
    const r = runPromtool(['check', 'rules', 'alerts.yml']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  void test('promtool test rules alerts.test.yml', () => {
    const r = runPromtool(['test', 'rules', 'alerts.test.yml']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });
});

void describe('deploy/prometheus (files)', () => {
  void test('every alert has a test case that fires and one that does not', () => {
    const tests = parse(readFileSync(join(PROM, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of ruleExprs()) {
      if (!alert) continue; // a recording rule: tested through the alerts that read it
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert}: no case where it fires`,
      );
      assert.ok(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert}: no case where it does not fire`,
      );
    }
  });
});

void describe('deploy/grafana', () => {
  void test('provisioning: the datasource the dashboards use, and the dashboards folder', () => {
    const ds = parse(
      readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    assert.equal(ds.datasources.length, 1);
    assert.equal(ds.datasources[0]!.type, 'prometheus');
    assert.equal(ds.datasources[0]!.url, 'http://prometheus:9090');
    const prov = parse(readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'herald.yml'), 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    assert.equal(prov.providers[0]!.type, 'file');
    assert.equal(prov.providers[0]!.options.path, '/var/lib/grafana/dashboards');

    const uid = ds.datasources[0]!.uid;
    const list = dashboards();
    assert.ok(list.length >= 1);
    for (const { file, json } of list) {
      const d = json as { uid: string; title: string; panels: Panel[] };
      assert.ok(d.uid && d.title, `${file}: uid and title`);
      const panels = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
      assert.ok(panels.length >= 10, `${file}: ${panels.length} panels`);
      const ids = new Set<number>();
      for (const p of panels) {
        const where = `${file}: panel ${p.id} "${p.title}"`;
        assert.ok(!ids.has(p.id), `${where}: duplicate id`);
        ids.add(p.id);
        assert.equal(p.datasource?.uid, uid, `${where}: datasource`);
        assert.ok(p.targets && p.targets.length > 0, `${where}: no targets`);
        for (const t of p.targets) {
          assert.ok(t.expr.trim(), `${where}: empty query ${t.refId}`);
          assert.equal(t.datasource?.uid ?? uid, uid, `${where}: target ${t.refId} datasource`);
        }
      }
    }
  });

  void test('every metric a panel or a rule reads exists (Herald, Temporal SDK, prom-client, Prometheus)', () => {
    const herald = heraldMetrics();
    assert.ok(herald.has('herald_delivery_duration_seconds_bucket'), 'reads src/metrics.ts');
    const histogramSeries = (n: string) => [n, `${n}_bucket`, `${n}_sum`, `${n}_count`];
    const known = new Set([
      ...herald,
      ...SDK_METRICS.flatMap(histogramSeries),
      ...PROM_CLIENT_DEFAULTS,
      ...PROMETHEUS_BUILTIN,
    ]);
    const used = new Map<string, string>();
    for (const { alert, record, expr } of ruleExprs())
      for (const n of metricNames(expr)) used.set(n, `alerts.yml ${alert ?? record}`);
    for (const { file, json } of dashboards())
      for (const p of (json as { panels: Panel[] }).panels)
        for (const t of p.targets ?? [])
          for (const n of metricNames(t.expr)) used.set(n, `${file} "${p.title}"`);
    assert.ok(used.size >= 15, [...used.keys()].join(' '));
    const unknown = [...used].filter(([n]) => !known.has(n)).map(([n, where]) => `${n} (${where})`);
    assert.deepEqual(unknown, [], 'metrics that nothing exports');
  });

  void test('the allowlisted metrics are defined by the packages that export them', () => {
    const sdkCore = join(ROOT, 'node_modules', '@temporalio', 'core-bridge', 'sdk-core', 'crates');
    assert.ok(
      existsSync(sdkCore),
      `${sdkCore}: the Temporal SDK's Core sources (shipped by @temporalio/core-bridge)`,
    );
    const rust = readTree(sdkCore, '.rs');
    for (const n of SDK_METRICS) {
      const bare = n.replace(/^temporal_/, '');
      assert.ok(rust.includes(`"${bare}"`), `${n}: "${bare}" is not a metric name in the Temporal SDK Core`);
    }
    const promClient = readTree(join(ROOT, 'node_modules', 'prom-client', 'lib', 'metrics'), '.js');
    for (const n of PROM_CLIENT_DEFAULTS) assert.ok(promClient.includes(`'${n}'`), `${n} in prom-client`);
  });

  void test('metricNames reads PromQL as the checks above need', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, task_queue) (rate(a_bucket{x="y{z}"}[$__rate_interval]))) > 1e3 and on(job) b / c offset 5m',
      ).sort(),
      ['a_bucket', 'b', 'c'],
    );
  });
});

function readTree(dir: string, ext: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out += readTree(p, ext);
    else if (name.endsWith(ext)) out += readFileSync(p, 'utf8');
  }
  return out;
}
