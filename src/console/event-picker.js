// Events chosen from the catalogue (GET /v1/event-types), each with its description and the
// data paths that are personal data or details, or "*" for every event.
import { html } from 'htm/preact';

function Paths({ label, paths }) {
  if (!paths.length) return null;
  return html`<br /><small class="paths"
      ><span class="muted">${label}:</span> ${paths.map((p) => html`<code>${p}</code> `)}</small
    >`;
}

export function EventPicker({ catalogue, value, onChange, error }) {
  const all = value.includes('*');
  const toggle = (name, on) =>
    onChange(on ? [...value.filter((e) => e !== name), name] : value.filter((e) => e !== name));
  return html`<fieldset
    id="field-events"
    aria-invalid=${error ? 'true' : undefined}
    aria-describedby=${error ? 'field-events-error' : undefined}
  >
    <legend>Events</legend>
    <label>
      <input
        type="checkbox"
        name="events"
        value="*"
        checked=${all}
        onChange=${(e) => onChange(e.currentTarget.checked ? ['*'] : [])}
      />
      <strong>Every event</strong> (<code>*</code>), including events added to the catalogue later
    </label>
    ${catalogue.map(
      (ev) =>
        html`<label key=${ev.name} class="event-option">
          <input
            type="checkbox"
            name="events"
            value=${ev.name}
            disabled=${all}
            checked=${all || value.includes(ev.name)}
            onChange=${(e) => toggle(ev.name, e.currentTarget.checked)}
          />
          <code>${ev.name}</code> — ${ev.description}
          <${Paths} label="Personal data" paths=${ev.pii} />
          <${Paths} label="Details" paths=${ev.details} />
        </label>`,
    )}
    ${error && html`<small id="field-events-error" class="field-error">${error}</small>`}
  </fieldset>`;
}
