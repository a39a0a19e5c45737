// Form fields that show the API's validation error for their own path beside them.
import { html } from 'htm/preact';

const fieldId = (path) => `field-${path.replace(/\./g, '-')}`;

function ErrorText({ path, error }) {
  if (!error) return null;
  return html`<small id=${`${fieldId(path)}-error`} class="field-error">${error}</small>`;
}

export function TextField({ path, label, value, error, onInput, type = 'text', hint, multiline }) {
  const id = fieldId(path);
  const props = {
    id,
    name: path,
    value,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': error ? `${id}-error` : hint ? `${id}-hint` : undefined,
    onInput: (e) => onInput(e.currentTarget.value),
  };
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${multiline ? html`<textarea rows="2" ...${props}></textarea>` : html`<input type=${type} ...${props} />`}
    ${error ? html`<${ErrorText} path=${path} error=${error} />` : hint && html`<small id=${`${id}-hint`}>${hint}</small>`}
  </div>`;
}

/** A number field whose bounds, default and help come from the OpenAPI schema. */
export function NumberField({ path, label, spec, value, error, onInput }) {
  const id = fieldId(path);
  const hint = [spec?.description, spec?.default !== undefined && `default ${spec.default}`]
    .filter(Boolean)
    .join('; ');
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input
      id=${id}
      name=${path}
      type="number"
      inputmode="decimal"
      step=${spec?.type === 'integer' ? 1 : 'any'}
      min=${spec?.minimum}
      max=${spec?.maximum}
      value=${value}
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${error ? `${id}-error` : `${id}-hint`}
      onInput=${(e) => onInput(e.currentTarget.value)}
    />
    ${error ? html`<${ErrorText} path=${path} error=${error} />` : html`<small id=${`${id}-hint`}>${hint}</small>`}
  </div>`;
}

export function Switch({ path, label, checked, onChange, hint, error }) {
  const id = fieldId(path);
  return html`<div class="field">
    <label for=${id}>
      <input
        id=${id}
        name=${path}
        type="checkbox"
        role="switch"
        checked=${checked}
        aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${`${id}-hint`}
        onChange=${(e) => onChange(e.currentTarget.checked)}
      />
      ${label}
    </label>
    <small id=${`${id}-hint`}>${hint}</small>
    <${ErrorText} path=${path} error=${error} />
  </div>`;
}

/** {in, path, message}[] → {"batching.maxWaitMs": message}; an item of events counts as events. */
export function errorsByField(details, known) {
  const byField = {};
  const other = [];
  for (const d of details) {
    const path = Array.isArray(d.path) ? d.path : [];
    const key = path[0] === 'events' ? 'events' : path.join('.');
    if (known.includes(key)) byField[key] = byField[key] ? `${byField[key]}; ${d.message}` : d.message;
    else other.push(path.length ? `${path.join('.')}: ${d.message}` : d.message);
  }
  return { byField, other };
}
