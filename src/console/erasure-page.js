// Right to erasure (issue 29), admin key only: start the erasure of one object (person, training
// …) from everything Herald holds, then follow it until its report (counts, never data) is in.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { api } from './api.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { useAction, useLoad, useTitle } from './hooks.js';
import { ErrorBox, Loading, PageHeading, Time } from './ui.js';

const COUNTS = [
  ['subscriptions', 'Subscriptions erased (their current run held it)'],
  ['subscriptionsAffected', 'Of those, with it pending or retained'],
  ['pendingChanges', 'Pending changes removed'],
  ['retainedChanges', 'Changes removed from batches kept for redelivery'],
  ['queuedBatchesRebuilt', 'Queued batches rebuilt without it'],
  ['inFlightDeliveriesRebuilt', 'Retrying deliveries rebuilt without it'],
  ['historiesScanned', 'Workflow histories read'],
  ['subscriptionRunsDeleted', 'Subscription runs deleted'],
  ['deliveryRunsDeleted', 'Delivery runs deleted'],
  ['otherRunsDeleted', 'Other runs deleted'],
  ['batchesKept', 'Deliveries whose other changes were kept'],
  ['batchesDropped', 'Deliveries whose other changes were dropped (subscription gone)'],
  ['stillHeld', 'Runs still holding it (running elsewhere, or a broken subscription)'],
];

const PHASES = {
  histories: 'Reading every history; erasing and deleting those that held it',
  // Still running: the erasure deletes its own first run, which held the keys.
  done: 'Finishing: deleting its own record of the keys',
};

/** A key that is a tenant token (a JWT) cannot erase: only the admin key can. */
export const isTenantToken = (key) => typeof key === 'string' && key.split('.').length === 3;

export function ErasureForm() {
  useTitle('Erasure');
  const { route } = useLocation();
  const action = useAction();
  const [fields, setFields] = useState({ object: 'person', id: '', tenant: '' });
  const [asking, setAsking] = useState(false);
  const set = (name) => (e) => setFields({ ...fields, [name]: e.currentTarget.value });
  const start = () => {
    setAsking(false);
    const body = { object: fields.object.trim(), id: fields.id.trim() };
    if (fields.tenant.trim()) body.tenant = fields.tenant.trim();
    action.run(async () => {
      const { id } = await api('POST', '/v1/erasures', body);
      route(`/console/erasures/${encodeURIComponent(id)}`);
    });
  };
  return html`<section>
    <hgroup>
      <${PageHeading}>Erasure</${PageHeading}>
      <p>Removes one object (a person, say) from everything Herald holds: pending, queued and retained
        changes of every subscription, deliveries not yet delivered, and every workflow history that held
        it. What partners already received stays with them. Admin key only.</p>
    </hgroup>
    <form onSubmit=${(e) => (e.preventDefault(), setAsking(true))}>
      <div class="grid">
        <label>Object<input name="object" value=${fields.object} onInput=${set('object')} required /></label>
        <label>Id<input name="id" value=${fields.id} onInput=${set('id')} required autocomplete="off" /></label>
        <label>Tenant <small class="muted">(optional: only this tenant's object)</small>
          <input name="tenant" value=${fields.tenant} onInput=${set('tenant')} autocomplete="off" />
        </label>
      </div>
      <button type="submit" class="danger" disabled=${action.busy || !fields.id.trim()}>Erase…</button>
    </form>
    <${ErrorBox} error=${action.error} title="The erasure was not started" />
    <${ConfirmDialog}
      open=${asking}
      title="Erase this object?"
      confirmLabel="Erase"
      danger=${true}
      onConfirm=${start}
      onCancel=${() => setAsking(false)}
    >
      <p>Every change of <code>${fields.object}</code> <code>${fields.id}</code> still in Herald is removed
        and cannot be redelivered. This cannot be undone.</p>
    </${ConfirmDialog}>
  </section>`;
}

export function ErasureReport({ id }) {
  useTitle('Erasure');
  const { data, error, loading, reload } = useLoad(
    () => api('GET', `/v1/erasures/${encodeURIComponent(id)}`),
    [id],
    2000,
  );
  return html`<section>
    <hgroup>
      <${PageHeading}>Erasure <code>${id}</code></${PageHeading}>
      <p><a href="/console/erasures">Start another erasure</a></p>
    </hgroup>
    ${loading && html`<${Loading} what="Loading the erasure" />`}
    ${error && !data && html`<${ErrorBox} error=${error} title="Could not load the erasure" onRetry=${reload} />`}
    ${
      data &&
      html`<article aria-label="Erasure report">
        <p>
          <strong data-testid="erasure-state"
            >${data.state === 'done' ? 'Done' : data.state === 'failed' ? 'Failed' : PHASES[data.phase]}</strong
          >
          ${data.state === 'running' && html` <span aria-busy="true"></span>`} ${' · started '}<${Time}
            iso=${data.startedAt}
          />
          ${data.finishedAt && html`${' · finished '}<${Time} iso=${data.finishedAt} />`}
        </p>
        <table class="striped">
          <tbody>
            ${COUNTS.map(
              ([key, label]) =>
                html`<tr key=${key}>
                  <th scope="row">${label}</th>
                  <td data-count=${key}>${data.counts[key]}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </article>`
    }
  </section>`;
}
