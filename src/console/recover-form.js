// Recover in one call: every failed delivery of a time range back into the pending batch. A
// disabled subscription stays disabled and sends them once resumed (docs/contract.md §7.6).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { useAction } from './hooks.js';
import { ErrorBox } from './ui.js';

const DAY_MS = 86_400_000;

/** `datetime-local` values are local wall time without a zone; the API takes ISO-8601 instants. */
const toInput = (ms) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};
const toIso = (value) => new Date(value).toISOString();

export function RecoverForm({ subscriptionId, onRecovered }) {
  const action = useAction();
  const [since, setSince] = useState(() => toInput(Date.now() - DAY_MS));
  const [until, setUntil] = useState('');
  const submit = (event) => {
    event.preventDefault();
    void action.run(async () => {
      const body = { since: toIso(since), ...(until ? { until: toIso(until) } : {}) };
      const path = `/v1/subscriptions/${encodeURIComponent(subscriptionId)}/recover`;
      onRecovered(await api('POST', path, body));
    });
  };
  return html`<details class="recover">
    <summary>Recover failed deliveries</summary>
    <form onSubmit=${submit}>
      <p class="muted">
        Puts the changes of every failed delivery that started in this range back into the next batch, each
        key with its newest change; a change pending now wins.
      </p>
      <div class="grid">
        <label
          >Since
          <input
            type="datetime-local"
            step="1"
            required
            value=${since}
            onInput=${(e) => setSince(e.currentTarget.value)}
        /></label>
        <label
          >Until (empty: now)
          <input
            type="datetime-local"
            step="1"
            value=${until}
            onInput=${(e) => setUntil(e.currentTarget.value)}
        /></label>
      </div>
      <button type="submit" aria-busy=${action.busy ? 'true' : 'false'} disabled=${action.busy}>
        Recover
      </button>
      <${ErrorBox} error=${action.error} title="Could not recover" />
    </form>
  </details>`;
}
