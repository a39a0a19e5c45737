// The one HTTP client the tests talk to Herald's API with, as outsiders do: a key by role
// ('admin', 'publish') or a raw bearer token (a tenant token), JSON in, JSON out.
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from './config';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Answer {
  status: number;
  /** The body as sent; `body` is it parsed when it is JSON, else `{}`. */
  text: string;
  body: Json;
  headers: Headers;
}

export interface CallOptions {
  key?: 'admin' | 'publish' | (string & {});
  body?: unknown;
  timeoutMs?: number;
  /** Extra request headers (a publisher's `traceparent`, …). */
  headers?: Record<string, string>;
}

const bearer = (key: string) =>
  key === 'admin' ? TEST_ADMIN_KEY : key === 'publish' ? TEST_PUBLISH_KEY : key;

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${bearer(opts.key)}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  const text = await res.text();
  let body: Json = {};
  if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text) {
    try {
      body = JSON.parse(text) as Json;
    } catch {
      // Not JSON after all: `text` has it.
    }
  }
  return { status: res.status, text, body, headers: res.headers };
}
