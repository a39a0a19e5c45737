// Shared pieces: the loading, empty and error states, times, state badges, the page heading.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import { absolute, relative, STATE_HELP } from './format.js';

export function Loading({ what = 'Loading' }) {
  return html`<p class="state-loading" aria-busy="true">${what}…</p>`;
}

export function Empty({ title, children }) {
  return html`<article class="state-empty">
    <h3>${title}</h3>
    ${children}
  </article>`;
}

/** The API's error {error, message, details?} as an operator should read it. */
export function ErrorBox({ error, title = 'The API answered with an error', onRetry }) {
  if (!error) return null;
  const status = error.status ? `HTTP ${error.status} ${error.code}` : error.code;
  return html`<article class="state-error" role="alert">
    <strong>${title}</strong>
    <p>${error.message}</p>
    <small>${status}</small>
    ${error.status === 401 && html`<p><small>${'This key may not do this. “Forget key” signs in with another.'}</small></p>`}
    ${onRetry && html`<p><button class="secondary" onClick=${onRetry}>Try again</button></p>`}
  </article>`;
}

/** A refresh that failed while older data stays on screen. */
export function StaleNotice({ error }) {
  if (!error) return null;
  return html`<p class="stale" role="status">
    Could not refresh (${error.message}); showing the last answer. Retrying.
  </p>`;
}

export function Time({ iso, prefix = '' }) {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso} title=${absolute(iso)}>${prefix}${relative(iso)}</time>`;
}

export function StateBadge({ state, label = state }) {
  return html`<span class=${`badge badge-${state}`} title=${STATE_HELP[state] ?? label}>${label}</span>`;
}

/** The page's heading; focused on arrival so keyboard and screen-reader users start there. */
export function PageHeading({ children }) {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}
