// The key, asked for once per tab. Any bearer credential the API takes: the admin key, or a
// tenant token, in which case the API itself decides which subscriptions it may see.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError, keyStore } from './api.js';
import { useTitle } from './hooks.js';
import { ErrorBox, PageHeading } from './ui.js';

function refusal(err) {
  if (err.status === 401)
    return 'The API refused this key (401 unauthorized). Check that it is the admin key or a valid, unexpired tenant token.';
  if (err.status === 403) return 'This key may not list subscriptions (403 forbidden).';
  return err.message;
}

export function KeyForm({ refused, onAccepted }) {
  useTitle('Sign in');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(refused ?? null);

  const submit = async (event) => {
    event.preventDefault();
    const key = value.trim();
    if (!key) return;
    setBusy(true);
    setError(null);
    keyStore.set(key);
    try {
      // The check is the page's first real request: the subscription list.
      await api('GET', '/v1/subscriptions');
      setValue('');
      onAccepted();
    } catch (err) {
      keyStore.clear();
      setError(err instanceof ApiError ? err : new ApiError(0, { message: String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return html`<article>
    <${PageHeading}>Herald console</${PageHeading}>
    <p>Subscriptions, their deliveries and every attempt, through Herald's API.</p>
    <form onSubmit=${submit}>
      <label>
        Admin key or tenant token
        <input
          type="password"
          name="key"
          autocomplete="off"
          spellcheck="false"
          required
          value=${value}
          onInput=${(e) => setValue(e.currentTarget.value)}
          aria-invalid=${error ? 'true' : undefined}
          aria-describedby="key-help"
        />
        <small id="key-help">
          Kept in this tab's session storage only, sent as a bearer header, never put in a URL
          or a cookie. Closing the tab forgets it.
        </small>
      </label>
      <button type="submit" aria-busy=${busy ? 'true' : 'false'} disabled=${busy}>Open the console</button>
    </form>
    ${
      error &&
      html`<${ErrorBox}
        title="Not signed in"
        error=${{ ...error, message: refusal(error), code: error.code, status: error.status }}
      />`
    }
  </article>`;
}
