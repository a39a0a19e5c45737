// Grafana dashboards (deploy/grafana/dashboards/) as Prometheus sees them: every panel with its
// PromQL, Grafana's variables substituted the way Grafana would before it sends a query. Shared
// by test/integration/ops-dashboard.test.ts (each query against a real Prometheus) and
// scripts/dashboard-preview.mjs (each panel drawn), so both read the JSON the same way.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  hide?: boolean;
}
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  targets?: Target[];
  /** A collapsed row keeps its panels here. */
  panels?: Panel[];
  fieldConfig?: { defaults?: { unit?: string; min?: number; max?: number } };
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { value?: string | string[] };
  options?: { value: string }[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list?: Variable[] };
}

export function loadDashboards(dir: string): { file: string; dashboard: Dashboard }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));
}

/** Every panel, rows included, with a collapsed row's panels after it (as Grafana lays them out). */
export const allPanels = (d: Dashboard): Panel[] => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** The panels that query: every target that is not hidden, with its expression. */
export const queryPanels = (d: Dashboard) =>
  allPanels(d)
    .filter((p) => p.type !== 'row')
    .map((panel) => ({ panel, targets: (panel.targets ?? []).filter((t) => !t.hide && t.expr?.trim()) }));

/** Grafana's built-in interval variables, for a panel over `rangeSeconds` at one point per `stepSeconds`. */
export function builtins(opts: { rateInterval: string; stepSeconds: number; rangeSeconds: number }) {
  return {
    __rate_interval: opts.rateInterval,
    __interval: `${opts.stepSeconds}s`,
    __interval_ms: String(opts.stepSeconds * 1000),
    __range: `${opts.rangeSeconds}s`,
    __range_s: String(opts.rangeSeconds),
    __range_ms: String(opts.rangeSeconds * 1000),
  };
}

/** `$name`, `${name}`, `${name:format}` and `[[name]]` replaced by their values (longest names first). */
export function substitute(expr: string, vars: Record<string, string>): string {
  let out = expr;
  for (const name of Object.keys(vars).sort((a, b) => b.length - a.length)) {
    const value = vars[name]!;
    out = out
      .replaceAll(new RegExp(`\\$\\{${name}(?::[^}]*)?\\}`, 'g'), value)
      .replaceAll(`[[${name}]]`, value)
      .replaceAll(new RegExp(`\\$${name}(?![A-Za-z0-9_])`, 'g'), value);
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A value for each template variable of the dashboard, as Grafana's default selection would
 * give it: "All" (its allValue, else `.*`) for multi-value and All variables; else the current
 * value; else, for a `label_values(…)` query, the first value Prometheus has. A variable this
 * cannot resolve is an error naming it, never a silent blank.
 */
export async function templateValues(d: Dashboard, prometheusUrl: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of d.templating?.list ?? []) {
    if (v.type === 'datasource') continue;
    const current = Array.isArray(v.current?.value) ? v.current.value[0] : v.current?.value;
    if (v.multi || v.includeAll) out[v.name] = v.allValue || '.*';
    else if (current && current !== '$__all') out[v.name] = current;
    else if (v.type === 'query') out[v.name] = escapeRegex(await firstLabelValue(v, prometheusUrl));
    else if (v.options?.[0]) out[v.name] = v.options[0].value;
    else throw new Error(`dashboard ${d.uid}: cannot resolve template variable $${v.name}`);
  }
  return out;
}

async function firstLabelValue(v: Variable, prometheusUrl: string): Promise<string> {
  const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
  const m = /^\s*label_values\(\s*(?:(.+?)\s*,\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/.exec(query);
  if (!m) throw new Error(`template variable $${v.name}: cannot resolve query ${JSON.stringify(query)}`);
  const url = new URL(`/api/v1/label/${m[2]}/values`, prometheusUrl);
  if (m[1]) url.searchParams.set('match[]', m[1]);
  const values = (await prometheusApi<string[]>(url)).sort();
  if (!values[0]) throw new Error(`template variable $${v.name}: ${query} has no values yet`);
  return values[0];
}

/** GET of Prometheus's HTTP API; its `data`, or an error with Prometheus's own message. */
export async function prometheusApi<T>(url: URL | string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
  if (body.status !== 'success') throw new Error(`${body.errorType ?? res.status}: ${body.error}`);
  return body.data;
}
