// One subscription: its status, settings and actions, and its deliveries with every attempt.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { api, ApiError, consoleConfig } from './api.js';
import { SubscriptionActivity } from './activity-panels.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Deliveries } from './deliveries.js';
import { displayState, duration, plural, workflowUrl } from './format.js';
import { useAction, useLoad, useTick, useTitle } from './hooks.js';
import { RecoverForm } from './recover-form.js';
import { SecretReveal } from './secret-reveal.js';
import { ErrorBox, Loading, PageHeading, StaleNotice, StateBadge, Time } from './ui.js';

const REFRESH_MS = 2000;
const DELIVERIES_SHOWN = 20;

async function load(id) {
  const base = `/v1/subscriptions/${encodeURIComponent(id)}`;
  const [sub, deliveries] = await Promise.all([
    api('GET', base),
    api('GET', `${base}/deliveries?limit=${DELIVERIES_SHOWN}`).then((r) => r.items),
  ]);
  return { sub, deliveries };
}

const STALE_AFTER_MS = 5_000;

function Status({ sub, config }) {
  const link = workflowUrl(config, sub.id);
  const c = sub.counters;
  const { batching: b, retry: r } = sub;
  // Sentences are built as strings: a template's line breaks must not decide the spacing.
  const items = [
    ...(sub.state === 'disabled' ? [['Disabled', html`<${DisabledNote} sub=${sub} />`]] : []),
    ['URL', html`<code class="wrap">${sub.url}</code>`],
    ['Events', html`<span>${sub.events.map((e) => html`<code>${e}</code> `)}</span>`],
    ['Pending changes', html`<strong class="pending">${sub.pendingChanges}</strong>`],
    // The workflow did not answer in time (its worker restarting): the figures are the last read.
    ...(Date.now() - Date.parse(sub.statusAsOf) > STALE_AFTER_MS
      ? [['Status as of', html`<${Time} iso=${sub.statusAsOf} />`]]
      : []),
    ['Delivered / failed', html`<strong>${`${c.deliveriesDelivered} / ${c.deliveriesFailed}`}</strong>`],
    ['Changes delivered', String(c.changesDelivered)],
    ['Last success', html`<${Time} iso=${sub.lastDeliveredAt} />`],
    ['Personal data', sub.includePii ? 'included' : 'removed'],
    ['Details', sub.includeDetails ? 'included' : 'removed'],
    [
      'Batching',
      `debounce ${duration(b.debounceMs)}, at most ${duration(b.maxWaitMs)}, ${b.maxBatchSize} changes a batch`,
    ],
    [
      'Retry',
      `first after ${duration(r.initialIntervalMs)}, ×${r.backoffCoefficient}, ` +
        (r.maximumAttempts === 0 ? 'forever' : `${r.maximumAttempts} attempts`),
    ],
    [
      'Workflow',
      link
        ? html`<a href=${link} target="_blank" rel="noopener noreferrer" title=${`subscription:${sub.id}`}
            >Open in the Temporal UI</a
          >`
        : html`<span class="muted">Set HERALD_TEMPORAL_UI_URL to link the Temporal UI</span>`,
    ],
  ];
  return html`<dl class="status-grid">
    ${items.map(
      ([label, value]) =>
        html`<div key=${label}>
          <dt>${label}</dt>
          <dd>${value}</dd>
        </div>`,
    )}
  </dl>`;
}

/** Why Herald stopped sending, since when, and what the partner last answered. */
function DisabledNote({ sub }) {
  const why =
    sub.disabledReason === 'gone'
      ? 'the partner answered 410 Gone'
      : 'every delivery failed for ' + duration(sub.delivery?.disableAfterMs ?? 0);
  const last = sub.lastStatusCode === undefined ? 'no answer' : `HTTP ${sub.lastStatusCode}`;
  return html`<span class="disabled-reason"
    >${why} (last attempt: ${last}), <${Time} iso=${sub.disabledAt} />. Changes are held; Resume sends
    them.</span
  >`;
}

const deleteWarning = (n) =>
  `Deliveries stop at once, the delivery in flight is cancelled and ${plural(n, 'pending change')} ` +
  `${n === 1 ? 'is' : 'are'} dropped. This cannot be undone.`;

function Actions({ sub, onChanged, onRotated }) {
  const { route } = useLocation();
  const action = useAction();
  const [asking, setAsking] = useState(null);
  const base = `/v1/subscriptions/${encodeURIComponent(sub.id)}`;
  const post = (path) => action.run(async () => onChanged(await api('POST', `${base}/${path}`)));
  const confirm = () => {
    const what = asking;
    setAsking(null);
    if (what === 'rotate') action.run(async () => onRotated(await api('POST', `${base}/rotate-secret`)));
    if (what === 'delete')
      action.run(async () => {
        await api('DELETE', base);
        route('/console');
      });
  };
  return html`<div class="actions" aria-label="Actions">
      ${
        sub.state === 'paused' || sub.state === 'disabled'
          ? html`<button onClick=${() => post('resume')} disabled=${action.busy}>Resume</button>`
          : html`<button class="secondary" onClick=${() => post('pause')} disabled=${action.busy}>
              Pause
            </button>`
      }
      <a href=${`/console/subscriptions/${encodeURIComponent(sub.id)}/edit`} role="button" class="secondary outline">Edit</a>
      <button class="secondary outline" onClick=${() => setAsking('rotate')} disabled=${action.busy}>Rotate secret</button>
      <button class="danger outline" onClick=${() => setAsking('delete')} disabled=${action.busy}>Delete</button>
    </div>
    <${ErrorBox} error=${action.error} title="The action failed" />
    <${ConfirmDialog}
      open=${asking !== null}
      title=${asking === 'delete' ? `Delete “${sub.name}”?` : 'Rotate the signing secret?'}
      confirmLabel=${asking === 'delete' ? 'Delete subscription' : 'Rotate secret'}
      danger=${asking === 'delete'}
      onConfirm=${confirm}
      onCancel=${() => setAsking(null)}
    >
      ${
        asking === 'delete'
          ? html`<p>${deleteWarning(sub.pendingChanges)}</p>`
          : html`<p>
              A new secret is made and shown once. For 24 hours deliveries carry signatures for the old and
              the new one, so the partner can switch.
            </p>`
      }
    </${ConfirmDialog}>`;
}

export function SubscriptionPage({ id }) {
  useTick(1000);
  const [rotated, setRotated] = useState(null);
  const [config, setConfig] = useState(null);
  const [notice, setNotice] = useState('');
  useEffect(() => void consoleConfig().then(setConfig), []);
  const { data, error, loading, reload, at } = useLoad(() => load(id), [id], REFRESH_MS);
  useTitle(data?.sub.name ?? 'Subscription');
  const gone = error instanceof ApiError && error.status === 404;
  const sub = data?.sub;

  return html`<section>
    ${loading && html`<${PageHeading}>Subscription</${PageHeading}><${Loading} what="Loading the subscription" />`}
    ${
      error &&
      (!data || gone) &&
      html`<${PageHeading}>Subscription</${PageHeading}>
      <${ErrorBox} error=${error} title=${gone ? 'No such subscription (deleted?)' : 'Could not load the subscription'} onRetry=${gone ? undefined : reload} />
      <p><a href="/console">Back to the subscriptions</a></p>`
    }
    ${
      sub &&
      !gone &&
      html`
      <hgroup>
        <${PageHeading}>${sub.name} <${StateBadge} state=${displayState(sub)} /></${PageHeading}>
        <p>${sub.description || html`<span class="muted">No description</span>`} · <small class="mono">${sub.id}</small></p>
      </hgroup>
      <${StaleNotice} error=${error} />
      ${
        rotated &&
        html`<${SecretReveal} title="New signing secret" secrets=${[{ label: 'Signing secret', value: rotated }]}>
        <button onClick=${() => setRotated(null)}>I have stored it</button>
      </${SecretReveal}>`
      }
      <${Actions} sub=${sub} onChanged=${() => void reload()} onRotated=${(r) => setRotated(r.signingSecret)} />
      <${Status} sub=${sub} config=${config} />
      <${SubscriptionActivity} sub=${sub} deliveries=${data.deliveries} at=${at} />
      <h2>Deliveries</h2>
      <p class="muted" role="status">${notice || `Newest first, the last ${DELIVERIES_SHOWN}; refreshed every ${REFRESH_MS / 1000} s.`}</p>
      <${RecoverForm} subscriptionId=${sub.id} onRecovered=${(r) => {
        setNotice(
          `Recovered ${plural(r.deliveries, 'failed delivery', 'failed deliveries')} (${plural(r.changes, 'change')}): they join the next batch.`,
        );
        void reload();
      }} />
      <${Deliveries} subscriptionId=${sub.id} deliveries=${data.deliveries}
        onRedelivered=${(d) => {
          setNotice(`Delivery #${d.sequence} queued again: its changes join the next batch.`);
          void reload();
        }} />`
    }
  </section>`;
}
