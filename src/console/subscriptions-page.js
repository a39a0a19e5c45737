// The subscription list: every subscription the key may see, with its live status, refreshed
// by itself. The list answer has the configuration; each row's status (pending changes,
// delivery in flight, counters, last success) comes from GET /v1/subscriptions/:id.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { displayState, host, plural } from './format.js';
import { OverallActivity } from './activity-panels.js';
import { useLoad, useTick, useTitle } from './hooks.js';
import { Empty, ErrorBox, Loading, PageHeading, StaleNotice, StateBadge, Time } from './ui.js';

export const REFRESH_MS = 3000;
/** Status reads at once, so a long list does not flood the API. */
const CONCURRENCY = 4;

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function loadAll() {
  const { items } = await api('GET', '/v1/subscriptions');
  return mapLimit(items, CONCURRENCY, async (sub) => {
    try {
      return { ...sub, detail: await api('GET', `/v1/subscriptions/${encodeURIComponent(sub.id)}`) };
    } catch (err) {
      return { ...sub, detailError: err };
    }
  });
}

const matches = (sub, q) =>
  !q ||
  [sub.name, sub.url, sub.id, sub.description, sub.events.join(' '), sub.detail && displayState(sub.detail)]
    .filter(Boolean)
    .some((text) => text.toLowerCase().includes(q));

function InFlight({ inFlight }) {
  if (!inFlight) return html`<span class="muted">none</span>`;
  // `attempt` counts the attempts made; 0 while the first one runs.
  const made = inFlight.attempt;
  return html`<span>
    ${`${plural(inFlight.changeCount, 'change')}, ${made === 0 ? 'attempt 1 running' : `${plural(made, 'attempt')} made`}`}
    ${
      inFlight.nextAttemptAt &&
      html`<br /><small>attempt ${made + 1} <${Time} iso=${inFlight.nextAttemptAt} /></small>`
    }
  </span>`;
}

function Row({ sub }) {
  const d = sub.detail;
  const state = d ? displayState(d) : sub.state;
  return html`<tr data-id=${sub.id}>
    <td data-label="Subscription">
      <div>
        <a href=${`/console/subscriptions/${encodeURIComponent(sub.id)}`}><strong>${sub.name}</strong></a>
        <br /><small class="muted">${host(sub.url)}</small>
      </div>
    </td>
    <td data-label="State"><${StateBadge} state=${state} /></td>
    ${
      d
        ? html`<td data-label="Pending"><span>${d.pendingChanges}</span></td>
            <td data-label="In flight"><${InFlight} inFlight=${d.inFlight} /></td>
            <td data-label="Delivered / failed">
              <span
                ><span class="ok">${d.counters.deliveriesDelivered}</span>${' / '}<span
                  class=${d.counters.deliveriesFailed ? 'bad' : ''}
                  >${d.counters.deliveriesFailed}</span
                ></span
              >
            </td>
            <td data-label="Last success"><${Time} iso=${d.lastDeliveredAt} /></td>`
        : html`<td colspan="4" data-label="Status" class="muted">
            <span>status unavailable${sub.detailError ? `: ${sub.detailError.message}` : ''}</span>
          </td>`
    }
  </tr>`;
}

export function SubscriptionsPage() {
  useTitle('Subscriptions');
  useTick(1000);
  const [filter, setFilter] = useState('');
  const { data, error, loading, reload, at } = useLoad(loadAll, [], REFRESH_MS);
  const q = filter.trim().toLowerCase();
  const shown = data ? data.filter((sub) => matches(sub, q)) : [];

  return html`<section>
    <hgroup>
      <${PageHeading}>Subscriptions</${PageHeading}>
      <p>Refreshed every ${REFRESH_MS / 1000} s. <span class="muted">Broken: the delivery in flight is failing and being retried.</span></p>
    </hgroup>
    <input
      type="search"
      placeholder="Filter by name, URL, event, state or id"
      aria-label="Filter subscriptions"
      value=${filter}
      onInput=${(e) => setFilter(e.currentTarget.value)}
    />
    ${loading && !data && html`<${Loading} what="Loading subscriptions" />`}
    ${error && !data && html`<${ErrorBox} error=${error} title="Could not load the subscriptions" onRetry=${reload} />`}
    ${data && html`<${StaleNotice} error=${error} />`}
    ${
      data &&
      data.length === 0 &&
      html`<${Empty} title="No subscriptions yet">
      <p>A subscription tells Herald where to POST the changes a partner wants.</p>
      <a href="/console/subscriptions/new" role="button">Create the first subscription</a>
    </${Empty}>`
    }
    ${
      data &&
      data.length > 0 &&
      shown.length === 0 &&
      html`<${Empty} title="Nothing matches"><p>No subscription matches “${filter}”.</p></${Empty}>`
    }
    ${
      shown.length > 0 &&
      html`<${OverallActivity} rows=${data} at=${at} />
        <p class="muted" aria-live="polite">${shown.length} of ${plural(data.length, 'subscription')}</p>
        <div class="overflow-auto">
          <table class="striped responsive">
            <thead>
              <tr>
                <th scope="col">Subscription</th>
                <th scope="col">State</th>
                <th scope="col">Pending</th>
                <th scope="col">In flight</th>
                <th scope="col">Delivered / failed</th>
                <th scope="col">Last success</th>
              </tr>
            </thead>
            <tbody>
              ${shown.map((sub) => html`<${Row} key=${sub.id} sub=${sub} />`)}
            </tbody>
          </table>
        </div>`
    }
  </section>`;
}
