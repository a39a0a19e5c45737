// Header names and header access for receivers. Standalone on purpose (node:crypto at most in
// this folder): partners copy or import it without pulling in Herald's server code.

/** Herald's default HERALD_HEADER_PREFIX. */
export const DEFAULT_HEADER_PREFIX = 'x-webhook-';
/** HERALD_HEADER_PREFIX that gives Coachview's own header names. */
export const COACHVIEW_HEADER_PREFIX = 'x-coachview-wh';

export interface HeaderNames {
  /** `<prefix>signature`: base64 HMAC-SHA256 of the body, key = the secret string (Coachview). */
  signature: string;
  /** `<prefix>token`: the subscription's token, as is. */
  token: string;
  /** Standard Webhooks trio. */
  id: 'webhook-id';
  timestamp: 'webhook-timestamp';
  standardSignature: 'webhook-signature';
}

/** The names of every header Herald sends, for a given HERALD_HEADER_PREFIX (lower-case). */
export function headerNames(prefix: string = DEFAULT_HEADER_PREFIX): HeaderNames {
  const p = prefix.toLowerCase();
  return {
    signature: `${p}signature`,
    token: `${p}token`,
    id: 'webhook-id',
    timestamp: 'webhook-timestamp',
    standardSignature: 'webhook-signature',
  };
}

/** `x-coachview-whsignature`, `x-coachview-whtoken` and the Standard Webhooks trio. */
export const coachviewHeaderNames: HeaderNames = headerNames(COACHVIEW_HEADER_PREFIX);

/** Node's IncomingHttpHeaders, any plain record of headers, or a Fetch `Headers`. */
export type HeadersInput =
  Record<string, string | string[] | number | undefined> | { get(name: string): string | null };

function isFetchHeaders(h: HeadersInput): h is { get(name: string): string | null } {
  return typeof (h as { get?: unknown }).get === 'function';
}

/**
 * One header's value, looked up case-insensitively (a hand-built record may not be
 * lower-cased as Node's is). An empty value counts as absent.
 */
export function readHeader(headers: HeadersInput, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let value: unknown;
  if (isFetchHeaders(headers)) {
    value = headers.get(wanted);
  } else {
    value = headers[wanted];
    if (value === undefined) {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === wanted);
      value = key === undefined ? undefined : headers[key];
    }
  }
  // A repeated header arrives from Node as an array; Herald sends each once, so the first counts.
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') value = String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
