// A real Prometheus server (built from its Go module by scripts/prometheus.mjs at the version
// promtool is pinned to, cached like Jaeger), listening on a free port of 127.0.0.1 with its
// TSDB in a temporary directory. Its config is deploy/prometheus/prometheus.yml with each job's
// Docker DNS discovery replaced by the addresses a test gives, and a faster scrape and rule
// evaluation, so a test sees the jobs, metrics paths and rules compose would run.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { goToolBinary, startTool } from './go-tools';
import { freePort } from './ports';

const DEPLOY = resolve(__dirname, '..', '..', 'deploy', 'prometheus');

export const prometheusBinary = (): string => goToolBinary('prometheus');

export interface Prometheus {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  dns_sd_configs?: unknown;
  static_configs?: { targets: string[] }[];
}

/**
 * deploy/prometheus/prometheus.yml for 127.0.0.1: `targets` maps each of its job names to
 * host:port addresses ("self" is this Prometheus). A job the file has and `targets` does not
 * is an error: a new job must be scraped here too.
 */
function config(targets: Record<string, string[]>, self: string, interval: string): string {
  const doc = parse(readFileSync(join(DEPLOY, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  doc.global = { ...doc.global, scrape_interval: interval, evaluation_interval: interval };
  doc.rule_files = doc.rule_files.map((f) => join(DEPLOY, f));
  doc.scrape_configs = doc.scrape_configs.map(({ dns_sd_configs: _, static_configs: __, ...job }) => {
    const addresses = job.job_name === 'prometheus' ? [self] : targets[job.job_name];
    if (!addresses) throw new Error(`prometheus.yml job ${job.job_name}: no address given for it`);
    return { ...job, static_configs: [{ targets: addresses }] };
  });
  return stringify(doc);
}

export async function startPrometheus(
  targets: Record<string, string[]>,
  opts: { binary?: string; interval?: string } = {},
): Promise<Prometheus> {
  const binary = opts.binary ?? prometheusBinary();
  const port = await freePort();
  const self = `127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'herald-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config(targets, self, opts.interval ?? '1s'));
  const url = `http://${self}`;
  const tool = await startTool({
    name: 'Prometheus',
    binary,
    args: [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${self}`,
      '--log.level=warn',
    ],
    dir,
    ready: async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).ok,
    timeoutMs: 30_000,
  });
  return { url, ...tool };
}
