#!/usr/bin/env node
// A picture of a Grafana dashboard for the docs, where Grafana itself cannot run: each panel's
// queries run as range queries against a real Prometheus, drawn with uPlot at the panel's
// gridPos under its title (scripts/dashboard-preview.html and .css), screenshotted by Debian's Chromium
// through playwright-core (the launch flags of test/helpers/browser.ts). It reads the dashboard
// JSON as test/integration/ops-dashboard.test.ts does (scripts/dashboard-queries.ts), hence tsx:
//
//   node --import tsx scripts/dashboard-preview.mjs --prometheus http://127.0.0.1:9090 \
//     [--from <unix seconds>|-15m] [--to <unix seconds>|now] \
//     [--dashboard deploy/grafana/dashboards/herald.json] [--out docs/screenshots/dashboard.png]
//
// `HERALD_SCREENSHOTS=1 node scripts/test.mjs test/integration/ops-dashboard.test.ts` runs it
// against the test's Prometheus, after the test's traffic.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URL, URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/helpers/browser.ts';
import { allPanels, builtins, prometheusApi, substitute, templateValues } from './dashboard-queries.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WIDTH = 1600;

/** Unix seconds from `now`, a number, or `-<n><s|m|h>` before now. */
function time(text, now) {
  if (text === 'now') return now;
  const rel = /^-(\d+)([smh])$/.exec(text);
  if (rel) return now - Number(rel[1]) * { s: 1, m: 60, h: 3600 }[rel[2]];
  if (/^\d+(\.\d+)?$/.test(text)) return Math.floor(Number(text));
  throw new Error(`--from/--to: ${text} is not now, -15m or unix seconds`);
}

/** `{{label}}` of a legendFormat filled from the series' labels; without one, the labels. */
function legend(format, metric) {
  if (format && format !== '__auto') return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l) => metric[l] ?? '');
  const labels = Object.entries(metric).filter(([k]) => k !== '__name__');
  return labels.length ? labels.map(([k, v]) => `${k}="${v}"`).join(', ') : (metric.__name__ ?? 'value');
}

/** Every panel with its series on one time axis (null where a series has no point). */
async function panelData(dashboard, url, from, to) {
  // About 400 points per panel, as Grafana asks for a panel of about that many pixels; rates over
  // at least 4 steps and 15 s, as $__rate_interval gives at least four scrapes.
  const step = Math.max(1, Math.round((to - from) / 400));
  const vars = {
    ...(await templateValues(dashboard, url)),
    ...builtins({ rateInterval: `${Math.max(15, 4 * step)}s`, stepSeconds: step, rangeSeconds: to - from }),
  };
  const times = [];
  for (let t = from; t <= to; t += step) times.push(t);
  const at = new Map(times.map((t, i) => [t, i]));
  const panels = [];
  for (const p of allPanels(dashboard)) {
    const series = [];
    for (const target of (p.targets ?? []).filter((t) => !t.hide && t.expr?.trim())) {
      const q = new URL('/api/v1/query_range', url);
      q.search = new URLSearchParams({ query: substitute(target.expr, vars), start: from, end: to, step });
      const data = await prometheusApi(q).catch((err) => {
        throw new Error(`panel "${p.title}" ${target.refId}: ${err.message}`, { cause: err });
      });
      for (const { metric, values } of data.result) {
        const column = times.map(() => null);
        for (const [t, v] of values)
          if (at.has(t) && Number.isFinite(Number(v))) column[at.get(t)] = Number(v);
        series.push({ name: legend(target.legendFormat, metric), values: column });
      }
    }
    const d = p.fieldConfig?.defaults ?? {};
    const { unit, min, max } = d;
    const thresholds = d.thresholds?.steps;
    panels.push({ type: p.type, title: p.title, gridPos: p.gridPos, unit, min, max, thresholds, series });
  }
  return { times, panels };
}

export async function dashboardPreview({ prometheus, from, to, dashboard, out }) {
  const json = JSON.parse(readFileSync(dashboard, 'utf8'));
  const { times, panels } = await panelData(json, prometheus, from, to);
  const range = `${new Date(from * 1000).toISOString()} – ${new Date(to * 1000).toISOString()} (UTC)`;
  const dist = join(ROOT, 'node_modules', 'uplot', 'dist');
  // Inlined, not loaded: the page needs no server and Chromium fetches nothing.
  const html = readFileSync(join(ROOT, 'scripts', 'dashboard-preview.html'), 'utf8')
    .replace('/*UPLOT_CSS*/', () => readFileSync(join(dist, 'uPlot.min.css'), 'utf8'))
    .replace('/*PAGE_CSS*/', () => readFileSync(join(ROOT, 'scripts', 'dashboard-preview.css'), 'utf8'))
    .replace('/*UPLOT_JS*/', () => readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'))
    .replace('/*DATA*/ null', () =>
      JSON.stringify({ title: json.title, range, width: WIDTH, times, panels }).replace(/</g, '\\u003c'),
    );
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH + 16, height: 900 }, timezoneId: 'UTC' });
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.setContent(html, { waitUntil: 'load' });
    await page.waitForFunction('window.drawn === true', null, { timeout: 15_000 }).catch(() => {
      throw new Error(`the page did not draw: ${errors.join('; ') || 'no error reported'}`);
    });
    await mkdir(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  const empty = panels.filter(
    (p) => p.type !== 'row' && !p.series.some((s) => s.values.some((v) => v !== null)),
  );
  return { panels: panels.length, empty: empty.map((p) => p.title) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      prometheus: { type: 'string' },
      from: { type: 'string', default: '-15m' },
      to: { type: 'string', default: 'now' },
      dashboard: { type: 'string', default: join(ROOT, 'deploy', 'grafana', 'dashboards', 'herald.json') },
      out: { type: 'string', default: join(ROOT, 'docs', 'screenshots', 'dashboard.png') },
    },
  });
  try {
    if (!values.prometheus) throw new Error('--prometheus http://host:port is required');
    const now = Math.floor(Date.now() / 1000);
    const r = await dashboardPreview({ ...values, from: time(values.from, now), to: time(values.to, now) });
    console.log(
      `${values.out}: ${r.panels} panels${r.empty.length ? `; no data: ${r.empty.join(', ')}` : ''}`,
    );
  } catch (err) {
    console.error(`dashboard-preview: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
