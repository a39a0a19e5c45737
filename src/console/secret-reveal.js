// The token and signing secret, shown once after a creation or a rotation: the API never
// answers them again. They live only in this component's state, never in a URL or storage.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

function CopyField({ label, value, id }) {
  const [copied, setCopied] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied to the clipboard.');
    } catch {
      document.getElementById(id)?.select();
      setCopied('Copying was refused by the browser: the text is selected, copy it with Ctrl+C / ⌘C.');
    }
  };
  return html`<label for=${id}>${label}</label>
    <div role="group">
      <input id=${id} readonly value=${value} spellcheck="false" autocomplete="off" class="secret" />
      <button type="button" onClick=${copy} aria-describedby=${`${id}-status`}>Copy</button>
    </div>
    <small id=${`${id}-status`} role="status">${copied}</small>`;
}

const warning = (n) =>
  `Herald will not show ${n > 1 ? 'these values' : 'this value'} again. Store ${n > 1 ? 'them' : 'it'} ` +
  "in the partner's configuration now; a lost signing secret can only be replaced by rotating it.";

/** secrets: [{label, value}] */
export function SecretReveal({ title, secrets, children }) {
  return html`<article class="secret-reveal" aria-labelledby="secret-title">
    <header>
      <h2 id="secret-title">${title}</h2>
    </header>
    <p class="warning" role="alert"><strong>Shown once.</strong> ${warning(secrets.length)}</p>
    ${secrets.map(
      (s, i) => html`<${CopyField} key=${s.label} label=${s.label} value=${s.value} id=${`secret-${i}`} />`,
    )}
    <footer>${children}</footer>
  </article>`;
}
