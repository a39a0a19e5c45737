// The charts of the subscription page and of the subscriptions list. Attempts come from the
// deliveries a page shows; the backlog and the overall counts are sampled at each refresh while
// the page is open (no server keeps their history: Prometheus does, see deploy/grafana/).
import { html } from 'htm/preact';
import { attemptBuckets, deltas, useSamples } from './activity.js';
import { BarsChart, LineChart } from './charts.js';

const backlogOf = (d) => (d.pendingChanges ?? 0) + (d.queuedChanges ?? 0);

export function SubscriptionActivity({ sub, deliveries, at }) {
  const sample = useSamples();
  const backlog = sample(at, backlogOf(sub));
  return html`<section aria-label="Activity">
    <h2>Last hour</h2>
    <div class="charts">
      <${BarsChart}
        kind="attempts"
        label="Attempts of the deliveries shown, per 5 min"
        buckets=${attemptBuckets(deliveries, Date.now())}
      />
      <${LineChart} kind="backlog" label="Pending backlog since this page opened" samples=${backlog} />
    </div>
  </section>`;
}

export function OverallActivity({ rows, at }) {
  const sample = useSamples();
  const details = rows.map((r) => r.detail).filter(Boolean);
  const samples = sample(at, {
    backlog: details.reduce((n, d) => n + backlogOf(d), 0),
    delivered: details.reduce((n, d) => n + d.counters.deliveriesDelivered, 0),
    failed: details.reduce((n, d) => n + d.counters.deliveriesFailed, 0),
  });
  // A subscription created or deleted between two samples is not a delivery: never below 0.
  const ended = deltas(samples, (now, before) => ({
    ok: Math.max(0, now.delivered - before.delivered),
    failed: Math.max(0, now.failed - before.failed),
  }));
  return html`<section aria-label="Overall activity">
    <div class="charts">
      <${BarsChart}
        kind="overall-deliveries"
        label="Deliveries since this page opened, per refresh"
        okName="delivered"
        failedName="failed"
        buckets=${ended}
      />
      <${LineChart}
        kind="overall-backlog"
        label="Pending backlog, all subscriptions"
        samples=${samples.map((s) => ({ at: s.at, value: s.value.backlog }))}
      />
    </div>
  </section>`;
}
