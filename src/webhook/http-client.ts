// The one HTTP client that talks to partners. Its guard sits in the connector's DNS hook, so
// the address judged is the address connected to: a DNS answer that changes between a check
// and the connection (DNS rebinding) cannot slip through. Literal IPs skip DNS in
// net.connect, so they are judged before the request is dispatched.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import { checkSubscriptionUrl, isForbiddenAddress, literalIpHost } from './url-policy';

/** How much of a response body is kept, for the delivery log and the Temporal UI. */
export const SNIPPET_BYTES = 1024;

export type DeliveryErrorKind = 'timeout' | 'network' | 'forbidden_address' | 'invalid_url';

/** Why an attempt produced no HTTP status. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  /** Set by post: time from the start of the attempt to the failure. */
  durationMs = 0;
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HttpResponse {
  statusCode: number;
  /** The first SNIPPET_BYTES of the body as UTF-8; the rest is never read. */
  bodySnippet: string;
  durationMs: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface HttpClient {
  /** POSTs once: no redirect is followed, no retry is made. Throws DeliveryError. */
  post(
    url: string,
    body: Buffer,
    headers: Record<string, string>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** Resolves every address of a host; replaceable so tests can fake DNS answers. */
export type Resolver = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

export interface HttpClientOptions {
  allowInsecure: boolean;
  resolver?: Resolver;
}

const systemResolver: Resolver = (hostname, options) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A net.connect `lookup` that refuses a host if any of its addresses is forbidden. */
function guardedLookup(resolver: Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolver(hostname, options).then(
      (addresses) => {
        // One forbidden answer refuses the host: a name mixing public and internal addresses
        // is either misconfigured or an attack, and connecting to "the good one" hides both.
        const bad = addresses.find((a) => isForbiddenAddress(a.address));
        const first = addresses[0];
        if (bad || !first) {
          const what = bad ? `resolves to ${bad.address}, which is not publicly routable` : 'has no address';
          callback(new DeliveryError('forbidden_address', `refused: ${hostname} ${what}`), '', 0);
        } else if (options.all) {
          callback(null, addresses);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Finds a DeliveryError raised in our lookup, however undici or net wrapped it. */
function findDeliveryError(err: unknown): DeliveryError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DeliveryError) return e;
  }
  return undefined;
}

function classify(err: unknown, timeout: AbortSignal, timeoutMs: number): DeliveryError {
  const own = findDeliveryError(err);
  if (own) return own;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (timeout.aborted || (code && TIMEOUT_CODES.has(code))) {
    return new DeliveryError('timeout', `no complete response within ${timeoutMs} ms`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeliveryError('network', code ? `${code}: ${message}` : message, { cause: err });
}

/** Reads at most `limit` bytes; leaving the loop early destroys the stream, so the rest never arrives. */
async function readSnippet(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { allowInsecure } = options;
  // TLS verification is Node's default and is never turned off: no rejectUnauthorized here.
  const agent = new Agent({
    connect: allowInsecure
      ? { timeout: 10_000 }
      : { timeout: 10_000, lookup: guardedLookup(options.resolver ?? systemResolver) },
    // The per-attempt AbortSignal is the real limit; these only stop a forgotten socket.
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
  });

  async function post(
    url: string,
    body: Buffer,
    headers: Record<string, string>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const fail = (e: DeliveryError): never => {
      e.durationMs = elapsed();
      throw e;
    };

    const check = checkSubscriptionUrl(url, { allowInsecure });
    if (!check.ok) {
      const literal = URL.canParse(url) ? literalIpHost(new URL(url)) : null;
      const forbidden = !allowInsecure && literal !== null && isForbiddenAddress(literal);
      fail(new DeliveryError(forbidden ? 'forbidden_address' : 'invalid_url', `refused: ${check.reason}`));
    }
    const target = new URL(url);

    // One signal for the whole attempt: connect, headers and the body snippet.
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    try {
      const res = await agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers,
        body,
        signal: combined,
      });
      const bodySnippet = await readSnippet(res.body, SNIPPET_BYTES);
      return {
        statusCode: res.statusCode,
        bodySnippet,
        durationMs: elapsed(),
        headers: flattenHeaders(res.headers),
      };
    } catch (err) {
      if (signal?.aborted && !timeout.aborted) throw err;
      return fail(classify(err, timeout, timeoutMs));
    }
  }

  return { post, close: () => agent.close() };
}
