// The console's entry: asks for the key once, then routes between the pages.
import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Router } from 'preact-iso/router';
import { keyStore, onKeyRefused } from './api.js';
import { ErasureForm, ErasureReport, isTenantToken } from './erasure-page.js';
import { EventsPage } from './events-page.js';
import { KeyForm } from './key-form.js';
import { SubscriptionForm } from './subscription-form.js';
import { SubscriptionPage } from './subscription-page.js';
import { SubscriptionsPage } from './subscriptions-page.js';
import { PageHeading } from './ui.js';

function NotFound() {
  return html`<${PageHeading}>Page not found</${PageHeading}>
    <p>There is no console page here. <a href="/console">Back to the subscriptions</a>.</p>`;
}

function Nav({ onForget }) {
  return html`<nav>
    <ul>
      <li>
        <a href="/console" class="brand"><strong>Herald</strong></a>
      </li>
    </ul>
    <ul>
      <li><a href="/console">Subscriptions</a></li>
      <li><a href="/console/events">Event catalogue</a></li>
      ${!isTenantToken(keyStore.get()) && html`<li><a href="/console/erasures">Erasure</a></li>`}
      <li><a href="/console/subscriptions/new" role="button" class="outline">New subscription</a></li>
      <li><button class="secondary outline" onClick=${onForget}>Forget key</button></li>
    </ul>
  </nav>`;
}

function App() {
  const [hasKey, setHasKey] = useState(() => Boolean(keyStore.get()));
  const [refused, setRefused] = useState(null);
  useEffect(
    () =>
      onKeyRefused((err) => {
        keyStore.clear();
        setRefused(err);
        setHasKey(false);
      }),
    [],
  );
  if (!hasKey) {
    return html`<main class="container narrow">
      <${KeyForm}
        refused=${refused}
        onAccepted=${() => {
          setRefused(null);
          setHasKey(true);
        }}
      />
    </main>`;
  }
  const forget = () => {
    keyStore.clear();
    setHasKey(false);
  };
  return html`<${LocationProvider} scope="/console">
    <header class="container"><${Nav} onForget=${forget} /></header>
    <main class="container">
      <${Router}>
        <${SubscriptionsPage} path="/console" />
        <${SubscriptionForm} path="/console/subscriptions/new" />
        <${SubscriptionForm} path="/console/subscriptions/:id/edit" />
        <${SubscriptionPage} path="/console/subscriptions/:id" />
        <${EventsPage} path="/console/events" />
        <${ErasureForm} path="/console/erasures" />
        <${ErasureReport} path="/console/erasures/:id" />
        <${NotFound} default />
      </${Router}>
    </main>
  </${LocationProvider}>`;
}

render(html`<${App} />`, document.getElementById('app'));
