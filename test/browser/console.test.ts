// The console in a real browser against the whole stack (Temporal, worker, API, receiver):
// sign in, create, see the secret once, watch deliveries and failing attempts, redeliver,
// pause and resume, disabled by a 410 and resumed, recover a range, rotate, delete. Then: no key, token or
// secret in any URL, title or log line. Screenshots of each page go to docs/screenshots/ for the README.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../../src/runtime';
import { chromiumMissing, launchChromium } from '../helpers/browser';
import { TEST_ADMIN_KEY, testConfig } from '../helpers/config';
import { recordPage, screenshot, untilText } from '../helpers/console-page';
import { startStack, type Stack } from '../helpers/stack';

const missing = chromiumMissing();
// CI installs Chromium (.ci/run); elsewhere a machine without it skips, saying why.
if (missing && process.env.CI) throw new Error(missing);

void describe('the Herald console', { skip: missing, timeout: 420_000 }, () => {
  let s: Stack;
  let browser: Browser;
  let page: Page;
  let seen: Awaited<ReturnType<typeof recordPage>>;
  const logs: string[] = [];
  const secrets: string[] = [TEST_ADMIN_KEY];
  let subId = '';

  const training = (id: number) => ({ action: 'update', object: 'training', id, event: 'training.update' });
  const publish = async (id: number) => {
    const res = await s.api('POST', '/v1/changes', { key: 'publish', body: { changes: [training(id)] } });
    assert.equal(res.status, 202, res.text);
  };
  const delivery = (sequence: number) =>
    page.locator(`article.delivery:has(header strong:text-is("#${sequence}"))`);

  before(async () => {
    const logger = createLogger(
      { ...testConfig(), logLevel: 'debug' },
      { write: (l: string) => void logs.push(l) },
    );
    s = await startStack({ logger, config: { temporalUiUrl: 'http://127.0.0.1:8233' } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.server.url });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    seen = await recordPage(page);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  void it('asks for the key once and says clearly when the API refuses it', async () => {
    await page.goto(`${s.server.url}/console`);
    await untilText(page.locator('h1'), /Herald console/);
    await page.getByLabel('Admin key or tenant token').fill('not-a-valid-key-123456');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await untilText(page.getByRole('alert'), /The API refused this key \(401 unauthorized\)/);
    await screenshot(page, 'sign-in-refused');
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused key is not kept');

    await page.getByLabel('Admin key or tenant token').fill(TEST_ADMIN_KEY);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await untilText(page.locator('h1'), /^Subscriptions$/);
    await untilText(page.locator('.state-empty'), /No subscriptions yet/);
    const stored = await page.evaluate('Object.values(sessionStorage)');
    assert.deepEqual(stored, [TEST_ADMIN_KEY], 'the key is in sessionStorage');
    assert.deepEqual(await page.context().cookies(), [], 'and in no cookie');
  });

  void it('creates a subscription from a form with the contract defaults and API errors beside fields', async () => {
    await page.locator('nav a', { hasText: 'New subscription' }).click();
    await untilText(page.locator('h1'), /New subscription/);
    assert.equal(await page.locator('#field-batching-debounceMs').inputValue(), '2000');
    assert.equal(await page.locator('#field-retry-initialIntervalMs').inputValue(), '60000');
    assert.equal(await page.locator('#field-retry-maximumAttempts').inputValue(), '13');
    assert.equal(await page.locator('#field-delivery-disableAfterMs').inputValue(), '432000000');
    assert.equal(await page.locator('#field-delivery-maxPerMinute').inputValue(), '');
    const option = page.locator('label.event-option:has(input[value="training.update"])');
    await untilText(
      option,
      /fetch it again from its url[\s\S]*Personal data:.*training\.contactPerson\.email/,
    );

    await page.getByLabel('Name', { exact: true }).fill('Partner Alpha');
    await page.getByLabel('URL', { exact: true }).fill('ftp://nowhere');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await untilText(page.locator('#field-url-error'), /invalid url/);
    await untilText(page.locator('#field-events-error'), /.+/);
    await untilText(page.getByRole('alert').first(), /The API refused these values/);
    await screenshot(page, 'create-form-errors');

    await page.getByLabel('URL', { exact: true }).fill(s.receiver.url);
    await option.locator('input').check();
    await page.locator('#field-batching-debounceMs').fill('200');
    await page.locator('#field-batching-maxWaitMs').fill('1000');
    await page.locator('#field-retry-initialIntervalMs').fill('1000');
    await page.getByRole('button', { name: 'Create subscription' }).click();

    await untilText(page.locator('#secret-title'), /Subscription “Partner Alpha” created/);
    await untilText(page.locator('.secret-reveal .warning'), /Shown once/);
    const token = await page.locator('#secret-0').inputValue();
    const secret = await page.locator('#secret-1').inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.ok(token.length >= 8);
    secrets.push(token, secret);
    await page.locator('.secret-reveal button', { hasText: 'Copy' }).nth(1).click();
    await untilText(page.locator('#secret-1-status'), /Copied to the clipboard/);
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);
    await screenshot(page, 'secret-once', [page.locator('input.secret')]);

    await page.getByRole('button', { name: /open the subscription/ }).click();
    await untilText(page.locator('h1'), /Partner Alpha\s*active/);
    subId = new URL(page.url()).pathname.split('/').pop()!;
    assert.match(subId, /^sub_/);
    await page.reload();
    await untilText(page.locator('h1'), /Partner Alpha/);
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(secret) && !text.includes(token), 'the secret is not shown again');
    await untilText(page.locator('.state-empty'), /No deliveries yet/);
  });

  void it('shows a delivery with its attempt once changes are published', async () => {
    await publish(345345);
    const first = delivery(1);
    await untilText(first, /delivered[\s\S]*Attempt 1[\s\S]*HTTP 200/);
    assert.equal(s.receiver.requests.length, 1);
    await first.locator('summary', { hasText: 'Changes (1)' }).click();
    await untilText(first.locator('pre.changes'), /"id": 345345/);
    await untilText(page.locator('.status-grid'), /Delivered \/ failed\s*1 \/ 0/);
    // The last success the page shows is the API's lastDeliveredAt: delivery #1's end.
    const detail = await s.api('GET', `/v1/subscriptions/${subId}`, { key: 'admin' });
    const list = await s.api('GET', `/v1/subscriptions/${subId}/deliveries`, { key: 'admin' });
    assert.equal(detail.body.lastDeliveredAt, list.body.items[0].finishedAt);
    assert.equal(
      await page.locator('.status-grid time').first().getAttribute('datetime'),
      detail.body.lastDeliveredAt,
    );
  });

  void it('shows failing attempts and the next attempt time, in the list too', async () => {
    s.receiver.setStatus(500);
    await publish(2);
    const second = delivery(2);
    await untilText(
      second,
      /in flight[\s\S]*Attempt 1[\s\S]*HTTP 500[\s\S]*Attempt 2[\s\S]*HTTP 500/,
      20_000,
    );
    await untilText(second.locator('.next-attempt'), /Next attempt in \d+/);
    await untilText(page.locator('h1'), /retrying/);
    await screenshot(page, 'subscription-failing');

    await page.getByRole('link', { name: 'Subscriptions', exact: true }).click();
    const row = page.locator(`tr[data-id="${subId}"]`);
    await untilText(
      row,
      /Partner Alpha[\s\S]*127\.0\.0\.1:\d+[\s\S]*retrying[\s\S]*[2-9] attempts made[\s\S]*attempt \d+ in \d+/,
    );
    await untilText(row.locator('td[data-label="Delivered / failed"]'), /1 \/ 0/);
    await untilText(row.locator('td[data-label="Last success"]'), /ago|now/);
    // Overall charts sample the rows at each refresh: the backlog of every subscription summed.
    await untilText(
      page.locator('figure:has(svg.chart-overall-backlog) figcaption'),
      /all subscriptions: \d+ now/,
    );
    assert.ok(Number(await page.locator('svg.chart-overall-backlog').getAttribute('data-samples')) >= 1);
    await screenshot(page, 'subscriptions');
    await page.getByLabel('Filter subscriptions').fill('no such partner');
    await untilText(page.locator('.state-empty'), /No subscription matches “no such partner”/);
    await page.getByLabel('Filter subscriptions').fill('alpha');
    await untilText(row, /Partner Alpha/);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'subscriptions-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    s.receiver.setStatus(200);
    // By keyboard: from the filter box, Tab reaches the row's link and Enter opens it.
    await page.getByLabel('Filter subscriptions').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Partner Alpha');
    await page.keyboard.press('Enter');
    await untilText(delivery(2), /delivered[\s\S]*HTTP 500[\s\S]*HTTP 200/, 30_000);
    await untilText(page.locator('h1'), /active/);
    // The last hour's chart counts the attempts the page shows: #1's 200, #2's 500s and its 200.
    const attempts = page.locator('svg.chart-attempts');
    await untilText(page.locator('figure:has(svg.chart-attempts) figcaption'), /2 succeeded, [2-9] failed/);
    const failed = Number(await attempts.getAttribute('data-failed'));
    assert.equal(await page.locator('article.delivery .attempt.bad').count(), failed);
    assert.equal((await attempts.locator('rect.chart-bad').count()) > 0, true, 'failed attempts are drawn');
    assert.equal(Number(await page.locator('svg.chart-backlog').getAttribute('data-last')), 0);
  });

  void it('redelivers an ended delivery', async () => {
    const before = s.receiver.requests.length;
    await delivery(1).getByRole('button', { name: 'Redeliver' }).click();
    await untilText(page.getByRole('status').filter({ hasText: 'queued again' }), /Delivery #1 queued again/);
    await untilText(delivery(3), /delivered[\s\S]*HTTP 200/);
    await s.receiver.waitForRequests(before + 1);
    const body = s.receiver.requests.at(-1)!.json as { changes: { id: number }[] };
    assert.deepEqual(
      body.changes.map((c) => c.id),
      [345345],
    );
    await screenshot(page, 'subscription');
  });

  void it('pauses and resumes', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await untilText(page.locator('h1'), /paused/);
    const before = s.receiver.requests.length;
    await publish(77);
    await untilText(page.locator('.pending'), /^1$/);
    assert.equal(s.receiver.requests.length, before, 'nothing is sent while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await untilText(page.locator('h1'), /active/);
    await untilText(delivery(4), /delivered[\s\S]*HTTP 200/);
    await untilText(page.locator('.pending'), /^0$/);
  });

  void it('shows a subscription disabled by a 410 with its reason, and Resume enables it', async () => {
    s.receiver.setStatus(410);
    await publish(88);
    await untilText(delivery(5), /failed[\s\S]*HTTP 410/);
    await untilText(page.locator('h1'), /disabled/);
    await untilText(page.locator('.disabled-reason'), /410 Gone[\s\S]*last attempt: HTTP 410/);
    // Held: the 410'd change and one published meanwhile wait for the resume.
    const before = s.receiver.requests.length;
    await publish(89);
    await untilText(page.locator('.pending'), /^2$/);
    assert.equal(s.receiver.requests.length, before, 'nothing is sent while disabled');
    await screenshot(page, 'subscription-disabled');
    s.receiver.setStatus(200);
    await page.getByRole('button', { name: 'Resume' }).click();
    await untilText(page.locator('h1'), /active/);
    await untilText(delivery(6), /delivered[\s\S]*HTTP 200/);
    const body = s.receiver.requests.at(-1)!.json as { changes: { id: number }[] };
    assert.deepEqual(body.changes.map((c) => c.id).sort(), [88, 89]);
    assert.equal(await page.locator('.disabled-reason').count(), 0);
  });

  void it('recovers the failed deliveries of a range in one call', async () => {
    const before = s.receiver.requests.length;
    await page.getByText('Recover failed deliveries').click();
    // The form's range starts a day back: the 410'd delivery #5 is in it.
    await page.getByRole('button', { name: 'Recover', exact: true }).click();
    await untilText(
      page.getByRole('status').filter({ hasText: 'Recovered' }),
      /Recovered 1 failed delivery \(1 change\)/,
    );
    await untilText(delivery(7), /delivered[\s\S]*HTTP 200/);
    await s.receiver.waitForRequests(before + 1);
    const body = s.receiver.requests.at(-1)!.json as { changes: { id: number }[] };
    assert.deepEqual(
      body.changes.map((c) => c.id),
      [88],
    );
  });

  void it('edits the subscription with its current values filled in', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    await untilText(page.locator('h1'), /Edit Partner Alpha/);
    assert.equal(await page.locator('#field-retry-initialIntervalMs').inputValue(), '1000');
    assert.ok(await page.locator('input[value="training.update"]').isChecked());
    await page.getByLabel('Description', { exact: true }).fill('Springest trainings feed');
    await page.locator('#field-retry-maximumAttempts').fill('-1');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await untilText(page.locator('#field-retry-maximumAttempts-error'), /expected number to be >=0/i);
    await page.locator('#field-retry-maximumAttempts').fill('20');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await untilText(page.locator('hgroup'), /Partner Alpha[\s\S]*Springest trainings feed/);
    await untilText(page.locator('.status-grid'), /20 attempts/);
  });

  void it('sets and takes away a pace in the form', async () => {
    const delivery = async () =>
      (await s.api('GET', `/v1/subscriptions/${subId}`, { key: 'admin' })).body.delivery;
    for (const [value, expected] of [
      ['30', { disableAfterMs: 432_000_000, maxPerMinute: 30 }],
      ['', { disableAfterMs: 432_000_000 }],
    ] as const) {
      await page.getByRole('button', { name: 'Edit' }).click();
      await untilText(page.locator('h1'), /Edit Partner Alpha/);
      assert.equal(await page.locator('#field-delivery-disableAfterMs').inputValue(), '432000000');
      await page.locator('#field-delivery-maxPerMinute').fill(value);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await untilText(page.locator('hgroup'), /Partner Alpha/);
      assert.deepEqual(await delivery(), expected);
    }
  });

  void it('rotates the secret and shows the new one once', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await untilText(page.locator('dialog[open]'), /Rotate the signing secret\?/);
    await page.locator('dialog[open]').getByRole('button', { name: 'Rotate secret' }).click();
    await untilText(page.locator('#secret-title'), /New signing secret/);
    const rotated = await page.locator('#secret-0').inputValue();
    assert.match(rotated, /^whsec_/);
    assert.ok(!secrets.includes(rotated));
    secrets.push(rotated);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await page.locator('#secret-0').count(), 0);
  });

  void it('shows the event catalogue and links the workflow in the Temporal UI', async () => {
    const link = page.getByRole('link', { name: 'Open in the Temporal UI' });
    assert.equal(
      await link.getAttribute('href'),
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`subscription:${subId}`)}`,
    );
    await page.getByRole('link', { name: 'Event catalogue' }).click();
    await untilText(page.locator('h1'), /Event catalogue/);
    await untilText(
      page.locator('tr:has(code:text-is("training.update"))'),
      /training\.contactPerson\.email/,
    );
    await screenshot(page, 'events');
  });

  void it('erases an object from the Erasure page and shows its report (issue 29)', async () => {
    await publish(4242);
    await page.getByRole('link', { name: 'Erasure' }).click();
    await untilText(page.locator('h1'), /Erasure/);
    await page.getByLabel('Object', { exact: true }).fill('training');
    await page.getByLabel('Id', { exact: true }).fill('4242');
    await page.getByRole('button', { name: 'Erase…' }).click();
    await untilText(page.locator('dialog[open]'), /Erase this object\?[\s\S]*cannot be undone/);
    await page.locator('dialog[open]').getByRole('button', { name: 'Erase', exact: true }).click();
    await untilText(page.locator('h1'), /Erasure era_[a-f0-9]{24}/);
    // Temporal deletes the erasure's own first run in the background (about half a minute).
    await untilText(page.getByTestId('erasure-state'), /^Done$/, 120_000);
    assert.equal(await page.locator('td[data-count="subscriptions"]').innerText(), '1');
    assert.equal(await page.locator('td[data-count="stillHeld"]').innerText(), '0');
    await screenshot(page, 'erasure');
    // Admin only: a tenant token is refused the erasure (and the console hides the link from one).
    const token = await s.api('POST', '/v1/tenants/acme/tokens', { key: 'admin', body: {} });
    const refused = await s.api('POST', '/v1/erasures', {
      key: token.body.token as string,
      body: { object: 'training', id: 1 },
    });
    assert.equal(refused.status, 401);
  });

  void it('deletes after confirmation', async () => {
    await page.goto(`${s.server.url}/console/subscriptions/${subId}`);
    await untilText(page.locator('h1'), /Partner Alpha/);
    await page.getByRole('button', { name: 'Delete' }).click();
    await untilText(page.locator('dialog[open]'), /Delete “Partner Alpha”\?[\s\S]*cannot be undone/);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('dialog[open]').count(), 0, 'Escape cancels');
    assert.equal((await s.api('GET', `/v1/subscriptions/${subId}`, { key: 'admin' })).status, 200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete subscription' }).click();
    await untilText(page.locator('.state-empty'), /No subscriptions yet/);
    assert.equal((await s.api('GET', `/v1/subscriptions/${subId}`, { key: 'admin' })).status, 404);
  });

  void it('ran without a script error or a Content-Security-Policy violation', () => {
    assert.deepEqual(seen.errors, []);
  });

  void it('put no key, token or secret in a URL, a page title or the server log', () => {
    assert.ok(
      seen.urls.some((u) => u.includes('/v1/subscriptions')),
      'the URLs were recorded',
    );
    assert.ok(
      seen.titles.some((t) => t.includes('Partner Alpha')),
      'the titles were recorded',
    );
    assert.ok(
      logs.some((l) => l.includes('/v1/subscriptions')),
      'the request log was captured',
    );
    assert.equal(secrets.length, 4);
    for (const value of secrets) {
      for (const where of [seen.urls, seen.titles, logs]) {
        const leak = where.find((line) => line.includes(value) || line.includes(encodeURIComponent(value)));
        assert.equal(leak, undefined, `a secret value appeared in: ${leak}`);
      }
    }
  });
});
