// Small waits and records for console browser tests: what every URL and title was, and text
// that must appear on the page within a bound.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';

export const SCREENSHOT_DIR = resolve(__dirname, '..', '..', 'docs', 'screenshots');

/** Waits until the locator's text matches; fails with the text it last saw. */
export async function untilText(locator: Locator, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const last = (await locator.count()) > 0 ? await locator.first().innerText() : '(not on the page)';
    if (pattern.test(last)) return last;
    if (Date.now() > end) throw new Error(`expected ${pattern} within ${timeoutMs} ms; last text: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every URL the page requested or navigated to, every title it showed, and its errors. */
export async function recordPage(
  page: Page,
): Promise<{ urls: string[]; titles: string[]; errors: string[] }> {
  const seen = { urls: [] as string[], titles: [] as string[], errors: [] as string[] };
  page.on('pageerror', (err) => void seen.errors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    // The API's own 4xx answers are logged by Chromium as failed loads: those the test provokes.
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) seen.errors.push(msg.text());
  });
  page.on('request', (r) => void seen.urls.push(r.url()));
  page.on('framenavigated', (f) => void seen.urls.push(f.url()));
  // Titles change without navigation (the router): sample them on every DOM change.
  await page.exposeFunction('__heraldTitle', (t: string) => void seen.titles.push(t));
  await page.addInitScript({
    content: `new MutationObserver(() => window.__heraldTitle?.(document.title))
      .observe(document, { subtree: true, childList: true, characterData: true });`,
  });
  return seen;
}

export async function screenshot(page: Page, name: string, mask: Locator[] = []): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true, mask });
}
