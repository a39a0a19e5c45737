// One subscription: its status, settings and actions, and its deliveries with every attempt.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { api, ApiError, consoleConfig } from './api.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Deliveries } from './deliveries.js';
import { displayState, duration, plural, workflowUrl } from './format.js';
import { useAction, useLoad, useTick, useTitle } from './hooks.js';
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

function Status({ sub, config }) {
  const link = workflowUrl(config, sub.id);
  const c = sub.counters;
  return html`<div class="status-grid">
    <div><small class="muted">URL</small><br /><code class="wrap">${sub.url}</code></div>
    <div><small class="muted">Events</small><br />${sub.events.map((e) => html`<code>${e}</code> `)}</div>
    <div>
      <small class="muted">Pending changes</small><br /><strong class="pending">${sub.pendingChanges}</strong>
    </div>
    <div>
      <small class="muted">Delivered / failed</small><br /><strong
        >${c.deliveriesDelivered} / ${c.deliveriesFailed}</strong
      >
      <small class="muted"> (${plural(c.changesDelivered, 'change')} delivered)</small>
    </div>
    <div><small class="muted">Last success</small><br /><${Time} iso=${sub.lastDeliveredAt} /></div>
    <div>
      <small class="muted">Personal data / details</small><br />${sub.includePii ? 'included' : 'removed'} /
      ${sub.includeDetails ? 'included' : 'removed'}
    </div>
    <div>
      <small class="muted">Batching</small><br />debounce ${duration(sub.batching.debounceMs)}, at most
      ${duration(sub.batching.maxWaitMs)}, ${sub.batching.maxBatchSize} a batch
    </div>
    <div>
      <small class="muted">Retry</small><br />first after ${duration(sub.retry.initialIntervalMs)},
      ×${sub.retry.backoffCoefficient},
      ${sub.retry.maximumAttempts === 0 ? 'forever' : `${sub.retry.maximumAttempts} attempts`}
    </div>
    <div>
      <small class="muted">Workflow</small><br />${
        link
          ? html`<a href=${link} target="_blank" rel="noopener noreferrer"
              >subscription:${sub.id} in the Temporal UI</a
            >`
          : html`<span class="muted">set HERALD_TEMPORAL_UI_URL to link the Temporal UI</span>`
      }
    </div>
  </div>`;
}

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
        sub.state === 'paused'
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
          ? html`<p>
              Deliveries stop at once, the delivery in flight is cancelled and
              ${plural(sub.pendingChanges, 'pending change')} are dropped. This cannot be undone.
            </p>`
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
  const { data, error, loading, reload } = useLoad(() => load(id), [id], REFRESH_MS);
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
      <h2>Deliveries</h2>
      <p class="muted" role="status">${notice || `Newest first, the last ${DELIVERIES_SHOWN}; refreshed every ${REFRESH_MS / 1000} s.`}</p>
      <${Deliveries} subscriptionId=${sub.id} deliveries=${data.deliveries}
        onRedelivered=${(d) => {
          setNotice(`Delivery #${d.sequence} queued again: its changes join the next batch.`);
          void reload();
        }} />`
    }
  </section>`;
}
