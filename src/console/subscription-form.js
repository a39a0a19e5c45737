// Create or edit a subscription. Defaults, bounds and help come from the API's own OpenAPI
// document; the API validates, and its errors (zod paths) are shown beside their fields.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { api } from './api.js';
import { EventPicker } from './event-picker.js';
import { errorsByField, NumberField, Switch, TextField } from './form-fields.js';
import { useLoad, useTitle } from './hooks.js';
import { SecretReveal } from './secret-reveal.js';
import { FIELDS, GROUPS, LEGENDS, load, subPath, SWITCHES, toBody } from './subscription-model.js';
import { ErrorBox, Loading, PageHeading } from './ui.js';

function Form({ id, loaded }) {
  const { route } = useLocation();
  const [v, setV] = useState(loaded.values);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [created, setCreated] = useState(null);
  const set = (key, value) => setV((old) => ({ ...old, [key]: value }));
  const setIn = (g, key, value) => setV((old) => ({ ...old, [g]: { ...old[g], [key]: value } }));
  const { byField, other } = errorsByField(error?.details ?? [], FIELDS);

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api(
        id ? 'PATCH' : 'POST',
        id ? subPath(id) : '/v1/subscriptions',
        toBody(v, Boolean(id)),
      );
      if (id) route(`/console/subscriptions/${encodeURIComponent(id)}`);
      else setCreated(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return html`<${SecretReveal}
      title=${`Subscription “${created.name}” created`}
      secrets=${[
        { label: 'Token (sent as the token header of every delivery)', value: created.token },
        { label: 'Signing secret (verifies the signatures)', value: created.signingSecret },
      ]}
    >
      <a href=${`/console/subscriptions/${encodeURIComponent(created.id)}`} role="button">I have stored them: open the subscription</a>
    </${SecretReveal}>`;
  }

  const spec = (g, k) => loaded.schema.properties[g].properties[k];
  return html`<form onSubmit=${submit} novalidate>
    ${error && html`<${ErrorBox} error=${error} title=${error.code === 'validation_error' ? 'The API refused these values' : 'Could not save'} />`}
    ${
      other.length > 0 &&
      html`<ul class="field-error">
        ${other.map((m) => html`<li>${m}</li>`)}
      </ul>`
    }
    <${TextField}
      path="name"
      label="Name"
      value=${v.name}
      error=${byField.name}
      onInput=${(x) => set('name', x)}
    />
    <${TextField}
      path="url"
      label="URL"
      type="url"
      value=${v.url}
      error=${byField.url}
      onInput=${(x) => set('url', x)}
      hint=${loaded.schema.properties.url.description}
    />
    <${TextField}
      path="description"
      label="Description"
      multiline
      value=${v.description}
      error=${byField.description}
      onInput=${(x) => set('description', x)}
    />
    <${EventPicker}
      catalogue=${loaded.catalogue}
      value=${v.events}
      error=${byField.events}
      onChange=${(x) => set('events', x)}
    />
    <fieldset>
      <legend>Data</legend>
      ${SWITCHES.map(
        ({ path, label, hint }) =>
          html`<${Switch}
            key=${path}
            path=${path}
            label=${label}
            hint=${hint}
            checked=${v[path]}
            error=${byField[path]}
            onChange=${(x) => set(path, x)}
          />`,
      )}
    </fieldset>
    ${Object.entries(GROUPS).map(
      ([g, fields]) =>
        html`<fieldset class="grid-fields">
          <legend>${LEGENDS[g]}</legend>
          ${Object.entries(fields).map(
            ([k, label]) =>
              html`<${NumberField}
                path=${`${g}.${k}`}
                label=${label}
                spec=${spec(g, k)}
                value=${v[g][k]}
                error=${byField[`${g}.${k}`]}
                onInput=${(x) => setIn(g, k, x)}
              />`,
          )}
        </fieldset>`,
    )}
    <div class="actions">
      <button type="submit" aria-busy=${busy ? 'true' : 'false'} disabled=${busy}>
        ${id ? 'Save changes' : 'Create subscription'}
      </button>
      <a
        href=${id ? `/console/subscriptions/${encodeURIComponent(id)}` : '/console'}
        role="button"
        class="secondary outline"
        >Cancel</a
      >
    </div>
  </form>`;
}

export function SubscriptionForm({ id }) {
  const { data, error, loading, reload } = useLoad(() => load(id), [id]);
  useTitle(id ? `Edit ${data?.current?.name ?? 'subscription'}` : 'New subscription');
  return html`<section>
    <${PageHeading}>${id ? `Edit ${data?.current?.name ?? 'subscription'}` : 'New subscription'}</${PageHeading}>
    ${loading && html`<${Loading} what="Loading the event catalogue and defaults" />`}
    ${error && html`<${ErrorBox} error=${error} title="Could not prepare the form" onRetry=${reload} />`}
    ${data && html`<${Form} id=${id} loaded=${data} />`}
  </section>`;
}
