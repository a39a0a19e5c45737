// The console's only way to the server: the public JSON API with the bearer key the operator
// typed in. The key is kept in sessionStorage (this tab only, gone when it closes), never in a
// URL, a cookie or the page title.
const STORAGE_KEY = 'herald.console.key';

export const keyStore = {
  get: () => sessionStorage.getItem(STORAGE_KEY),
  set: (key) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** An answer other than 2xx, in the API's shape {error, message, details?}; status 0 = no answer. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.error || `http_${status}`;
    this.details = Array.isArray(body.details) ? body.details : [];
  }
}

const listeners = new Set();
/** Called when the subscription list answers 401: the key is wrong, expired or revoked. */
export function onKeyRefused(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${keyStore.get() ?? ''}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    throw new ApiError(0, {
      error: 'network_error',
      message: `The API did not answer (${err.name === 'TimeoutError' ? 'timed out' : err.message}).`,
    });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null; // not JSON: a proxy's page, say
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json ?? { message: res.statusText || `HTTP ${res.status}` });
    if (res.status === 401 && method === 'GET' && path === '/v1/subscriptions') {
      for (const listener of listeners) listener(err);
    }
    throw err;
  }
  return json;
}

/** The console's own settings (no secret): where the Temporal UI is, and the namespace. */
let configPromise;
export function consoleConfig() {
  configPromise ??= fetch('/console/config.json', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : { temporalUiUrl: null, namespace: 'default' }))
    .catch(() => ({ temporalUiUrl: null, namespace: 'default' }));
  return configPromise;
}

/** The create-subscription schema from the OpenAPI document: defaults, bounds, descriptions. */
let schemaPromise;
export function createSchema() {
  schemaPromise ??= api('GET', '/openapi.json').then(
    (doc) => doc.paths['/v1/subscriptions'].post.requestBody.content['application/json'].schema,
  );
  return schemaPromise;
}
