// What a change's `url` may carry (issue 16, Springest: "The URL shall not include the format
// extension and API key"). Every partner receives the url as it is, so a publisher's API key in
// it would go to all of them. Used by the change schema (reject mode), by normalizeChange (strip
// mode) and at start for HERALD_API_BASE_URL.

export type ChangeUrlMode = 'reject' | 'strip';

export interface ChangeUrlPolicy {
  mode: ChangeUrlMode;
  /** Query parameter names that carry credentials, compared by normalizeParamName. */
  keyParams: string[];
  /** Format extensions without the dot, lower case: a last path segment ending in one is refused. */
  extensions: string[];
}

export const DEFAULT_KEY_PARAMS = [
  'api_key',
  'apikey',
  'key',
  'token',
  'access_token',
  'auth',
  'signature',
  'sig',
  'secret',
  'password',
  'client_secret',
];
export const DEFAULT_EXTENSIONS = ['json', 'xml', 'csv', 'html', 'htm', 'yaml', 'yml', 'txt'];

export const DEFAULT_CHANGE_URL_POLICY: ChangeUrlPolicy = {
  mode: 'reject',
  keyParams: DEFAULT_KEY_PARAMS,
  extensions: DEFAULT_EXTENSIONS,
};

/** "API-Key", "api_key" and "apiKey" are one name: case, "-" and "_" are ignored. */
export const normalizeParamName = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

/** The raw parts of a URL string that WHATWG URL would rewrite if we round-tripped it. */
function splitUrl(url: string): { head: string; query: string | undefined; fragment: string } {
  const hash = url.indexOf('#');
  const fragment = hash >= 0 ? url.slice(hash) : '';
  const rest = hash >= 0 ? url.slice(0, hash) : url;
  const q = rest.indexOf('?');
  return q >= 0
    ? { head: rest.slice(0, q), query: rest.slice(q + 1), fragment }
    : { head: rest, query: undefined, fragment };
}

function paramName(pair: string): string {
  const raw = pair.split('=')[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function isKeyParam(pair: string, policy: ChangeUrlPolicy): boolean {
  const name = normalizeParamName(paramName(pair));
  return policy.keyParams.some((k) => normalizeParamName(k) === name);
}

/** The format extension the URL's last path segment ends in, if it is one of the policy's. */
function extensionOf(pathname: string, policy: ChangeUrlPolicy): string | undefined {
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = last.slice(dot + 1).toLowerCase();
  return policy.extensions.includes(ext) ? ext : undefined;
}

/** Why this URL may not be sent to partners; empty when it may. Unparsable URLs are not judged here. */
export function changeUrlProblems(url: string, policy: ChangeUrlPolicy): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const problems: string[] = [];
  if (parsed.username !== '' || parsed.password !== '') {
    problems.push('it carries credentials (user info before the host)');
  }
  const { query } = splitUrl(url);
  const keys = (query ?? '').split('&').filter((p) => p !== '' && isKeyParam(p, policy));
  for (const pair of keys) {
    problems.push(`its query parameter "${paramName(pair)}" looks like an API key or credential`);
  }
  const ext = extensionOf(parsed.pathname, policy);
  if (ext) problems.push(`it ends in the format extension ".${ext}"`);
  return problems;
}

/**
 * Every derived change url starts with HERALD_API_BASE_URL, so the base is held to the same rules
 * at start, in either mode (a bad base is a deployment mistake, not something to clean silently),
 * and may have no query or fragment: the object's path would be appended after it.
 */
export function apiBaseUrlProblems(base: string, policy: ChangeUrlPolicy): string[] {
  const problems = changeUrlProblems(base, policy);
  if (base.includes('?') || base.includes('#')) {
    problems.push('it has a query or fragment, after which object paths cannot be appended');
  }
  return problems;
}

/** The message of a 400 for a change url, or of a config error for HERALD_API_BASE_URL. */
export function describeProblems(problems: string[]): string {
  return `must not carry credentials, an API key or a format extension, and ${problems.join('; ')}`;
}

/**
 * The URL without user info, key parameters and format extension (strip mode). A URL with
 * nothing to strip comes back unchanged, byte for byte.
 */
export function stripChangeUrl(url: string, policy: ChangeUrlPolicy): string {
  if (changeUrlProblems(url, policy).length === 0) return url;
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  const ext = extensionOf(parsed.pathname, policy);
  if (ext) parsed.pathname = parsed.pathname.slice(0, -(ext.length + 1));
  // The query is filtered as text, so the parameters that stay keep their exact encoding.
  const { query, fragment } = splitUrl(url);
  const kept = (query ?? '').split('&').filter((p) => p !== '' && !isKeyParam(p, policy));
  parsed.search = '';
  parsed.hash = '';
  const { head } = splitUrl(parsed.href);
  return head + (kept.length ? `?${kept.join('&')}` : '') + fragment;
}
