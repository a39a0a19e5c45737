// The event catalogue: what a subscription can ask for, and which data paths are personal data
// or details (removed unless the subscription includes them).
import { html } from 'htm/preact';
import { api } from './api.js';
import { useLoad, useTitle } from './hooks.js';
import { Empty, ErrorBox, Loading, PageHeading } from './ui.js';

const paths = (list) =>
  list.length
    ? html`<span>${list.map((p) => html`<code>${p}</code> `)}</span>`
    : html`<span class="muted">none</span>`;

export function EventsPage() {
  useTitle('Event catalogue');
  const { data, error, loading, reload } = useLoad(
    () => api('GET', '/v1/event-types').then((r) => r.items),
    [],
  );
  return html`<section>
    <hgroup>
      <${PageHeading}>Event catalogue</${PageHeading}>
      <p>The events a subscription can ask for. Personal-data and details paths are removed from a
        change's <code>data</code> unless the subscription includes them.</p>
    </hgroup>
    ${loading && html`<${Loading} what="Loading the catalogue" />`}
    ${error && html`<${ErrorBox} error=${error} title="Could not load the catalogue" onRetry=${reload} />`}
    ${data && data.length === 0 && html`<${Empty} title="The catalogue is empty"><p>Add events to HERALD_EVENT_CATALOG.</p></${Empty}>`}
    ${
      data &&
      data.length > 0 &&
      html`<div class="overflow-auto">
        <table class="striped responsive">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Description</th>
              <th scope="col">Personal data</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            ${data.map(
              (ev) =>
                html`<tr key=${ev.name}>
                  <td data-label="Event"><code>${ev.name}</code></td>
                  <td data-label="Description"><span>${ev.description}</span></td>
                  <td data-label="Personal data">${paths(ev.pii)}</td>
                  <td data-label="Details">${paths(ev.details)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`
    }
  </section>`;
}
