// A subscription's deliveries, newest first, each with its attempts as a timeline, its changes
// on demand, and redelivery once it has ended.
import { html } from 'htm/preact';
import { api } from './api.js';
import { absolute, duration, isSuccess, outcome, plural } from './format.js';
import { useAction } from './hooks.js';
import { Empty, ErrorBox, StateBadge, Time } from './ui.js';

const STATUS = { delivered: 'delivered', failed: 'failed', in_flight: 'in flight' };

function Attempt({ attempt }) {
  const ok = isSuccess(attempt);
  return html`<li class=${ok ? 'attempt ok' : 'attempt bad'}>
    <span class="attempt-n">Attempt ${attempt.attempt}</span>
    <time datetime=${attempt.at}>${absolute(attempt.at)}</time>
    <strong class="attempt-outcome">${outcome(attempt)}</strong>
    <span class="muted">${duration(attempt.durationMs)}</span>
  </li>`;
}

function Changes({ delivery }) {
  if (!delivery.changesAvailable) {
    return html`<p class="muted">
      The changes of this delivery are no longer available (its workflow is past retention).
    </p>`;
  }
  return html`<details>
    <summary>Changes (${delivery.changes.length})</summary>
    <pre class="changes">${JSON.stringify(delivery.changes, null, 2)}</pre>
  </details>`;
}

function Delivery({ subscriptionId, delivery, onRedelivered }) {
  const action = useAction();
  const redeliver = () =>
    action.run(async () => {
      const base = `/v1/subscriptions/${encodeURIComponent(subscriptionId)}`;
      await api('POST', `${base}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`);
      onRedelivered(delivery);
    });
  return html`<article class="delivery" data-delivery=${delivery.id} data-status=${delivery.status}>
    <header>
      <strong>#${delivery.sequence}</strong>
      <${StateBadge} state=${delivery.status} label=${STATUS[delivery.status]} />
      <span>${plural(delivery.changeCount, 'change')}</span>
      <small class="muted"
        >started <${Time} iso=${delivery.startedAt} />${
          delivery.finishedAt && html`, finished <${Time} iso=${delivery.finishedAt} />`
        }</small
      >
      <small class="muted mono">${delivery.id}</small>
    </header>
    ${
      delivery.attempts.length === 0
        ? html`<p class="muted">First attempt running…</p>`
        : html`<ol class="timeline" aria-label=${`Attempts of delivery ${delivery.sequence}`}>
            ${delivery.attempts.map((a) => html`<${Attempt} key=${a.attempt} attempt=${a} />`)}
          </ol>`
    }
    ${
      delivery.status === 'in_flight' &&
      delivery.nextAttemptAt &&
      html`<p class="next-attempt">
        Next attempt <${Time} iso=${delivery.nextAttemptAt} /> (${absolute(delivery.nextAttemptAt)})
      </p>`
    }
    <${Changes} delivery=${delivery} />
    ${
      delivery.status !== 'in_flight' &&
      html`<footer>
        <button
          class="secondary outline"
          onClick=${redeliver}
          aria-busy=${action.busy ? 'true' : 'false'}
          disabled=${action.busy}
        >
          Redeliver
        </button>
        <${ErrorBox} error=${action.error} title="Could not redeliver" />
      </footer>`
    }
  </article>`;
}

export function Deliveries({ subscriptionId, deliveries, onRedelivered }) {
  if (deliveries.length === 0) {
    return html`<${Empty} title="No deliveries yet">
      <p>Changes for this subscription's events are batched and delivered here after the debounce.</p>
    </${Empty}>`;
  }
  return deliveries.map(
    (d) =>
      html`<${Delivery}
        key=${d.id}
        subscriptionId=${subscriptionId}
        delivery=${d}
        onRedelivered=${onRedelivered}
      />`,
  );
}
