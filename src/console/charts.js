// Small SVG charts for the console: stacked bars (succeeded / failed) and a backlog line. Drawn
// with presentation attributes and classes only: the page's CSP allows no inline style.
import { html } from 'htm/preact';
import { absolute } from './format.js';

const W = 360;
const H = 80;

/** Bars of {start, ok, failed}; the accessible name says the totals. */
export function BarsChart({ buckets, label, okName = 'succeeded', failedName = 'failed', kind }) {
  const max = Math.max(1, ...buckets.map((b) => b.ok + b.failed));
  const ok = buckets.reduce((n, b) => n + b.ok, 0);
  const failed = buckets.reduce((n, b) => n + b.failed, 0);
  const w = W / Math.max(1, buckets.length);
  const y = (n) => (n / max) * (H - 12);
  const name = `${label}: ${ok} ${okName}, ${failed} ${failedName}`;
  return html`<figure class="chart">
    <svg
      class=${`chart-bars chart-${kind}`}
      viewBox=${`0 0 ${W} ${H}`}
      role="img"
      aria-label=${name}
      data-ok=${ok}
      data-failed=${failed}
    >
      <title>${name}</title>
      <line class="chart-axis" x1="0" y1=${H - 0.5} x2=${W} y2=${H - 0.5} />
      ${buckets.map((b, i) => {
        const hOk = y(b.ok);
        const hBad = y(b.failed);
        return html`<g key=${i}>
          <title>
            ${absolute(new Date(b.start).toISOString())}: ${b.ok} ${okName}, ${b.failed} ${failedName}
          </title>
          ${b.ok > 0 && html`<rect class="chart-ok" x=${i * w + 1} y=${H - hOk} width=${w - 2} height=${hOk} />`}
          ${b.failed > 0 && html`<rect class="chart-bad" x=${i * w + 1} y=${H - hOk - hBad} width=${w - 2} height=${hBad} />`}
        </g>`;
      })}
      <text class="chart-label" x="2" y="10">max ${max}</text>
    </svg>
    <figcaption>
      ${label}: <span class="ok">${ok} ${okName}</span>${', '}<span class=${failed ? 'bad' : ''}
        >${failed} ${failedName}</span
      >
    </figcaption>
  </figure>`;
}

/** A line of {at, value} samples over their own time span. */
export function LineChart({ samples, label, kind }) {
  const last = samples.at(-1)?.value ?? 0;
  const max = Math.max(1, ...samples.map((s) => s.value));
  const t0 = samples[0]?.at ?? 0;
  const span = Math.max(1, (samples.at(-1)?.at ?? 0) - t0);
  const points = samples
    .map((s) => `${((s.at - t0) / span) * W},${H - 1 - (s.value / max) * (H - 12)}`)
    .join(' ');
  const name = `${label}: ${last} now, at most ${max} over ${samples.length} samples`;
  return html`<figure class="chart">
    <svg
      class=${`chart-line chart-${kind}`}
      viewBox=${`0 0 ${W} ${H}`}
      role="img"
      aria-label=${name}
      data-last=${last}
      data-samples=${samples.length}
    >
      <title>${name}</title>
      <line class="chart-axis" x1="0" y1=${H - 0.5} x2=${W} y2=${H - 0.5} />
      ${samples.length > 1 && html`<polyline class="chart-backlog-line" points=${points} />`}
      <text class="chart-label" x="2" y="10">max ${max}</text>
    </svg>
    <figcaption>${label}: ${last} now (max ${max})</figcaption>
  </figure>`;
}
