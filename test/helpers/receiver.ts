// A real webhook receiver for tests: node:http on 127.0.0.1 with a free port. It records every
// request byte for byte, and its answer (status, delay, headers, or a custom handler) can be
// changed while a test runs. Bound to loopback only, so tests never send traffic elsewhere.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Date.now() when the body was complete. */
  at: number;
}

/** n is the 1-based number of this request. */
export type StatusFn = (req: ReceivedRequest, n: number) => number;
/** Takes over the response entirely (streaming, redirects …); the request is recorded first. */
export type Handler = (req: ReceivedRequest, res: ServerResponse, n: number) => unknown;

export interface ReceiverOptions {
  status?: number | StatusFn;
  delayMs?: number;
  /** The body of the default answer. */
  responseBody?: string;
  responseHeaders?: Record<string, string>;
  /** Listen on this port of 127.0.0.1 (a fixed one a document names); default: a free one. */
  port?: number;
}

export interface Receiver {
  /** http://127.0.0.1:<port>/hook */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  setStatus(code: number | StatusFn): void;
  setDelayMs(ms: number): void;
  setResponseHeaders(headers: Record<string, string>): void;
  setHandler(handler: Handler | null): void;
  /** Resolves once at least n requests have arrived; rejects after timeoutMs. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  let status: number | StatusFn = opts.status ?? 200;
  let delayMs = opts.delayMs ?? 0;
  let responseHeaders: Record<string, string> = opts.responseHeaders ?? {};
  let handler: Handler | null = null;
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  // Pending delays, so close() can end them at once.
  const delays = new Map<NodeJS.Timeout, () => void>();

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const received: ReceivedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      rawBody,
      json: parseJson(rawBody),
      at: Date.now(),
    };
    requests.push(received);
    const n = requests.length;
    for (const wake of waiters) wake();

    if (handler) {
      await handler(received, res, n);
      return;
    }
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          delays.delete(t);
          resolve();
        }, delayMs);
        delays.set(t, resolve);
      });
    }
    if (res.destroyed) return;
    const code = typeof status === 'function' ? status(received, n) : status;
    res.writeHead(code, responseHeaders);
    res.end(code === 204 || code === 304 ? undefined : (opts.responseBody ?? ''));
  };

  const server = createServer((req, res) => {
    answer(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    setStatus: (code) => void (status = code),
    setDelayMs: (ms) => void (delayMs = ms),
    setResponseHeaders: (headers) => void (responseHeaders = headers),
    setHandler: (h) => void (handler = h),
    waitForRequests(n, timeoutMs = 5_000) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          if (requests.length < n) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`receiver: expected ${n} request(s) within ${timeoutMs} ms, got ${requests.length}`),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
      });
    },
    async close() {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
      // Hung and keep-alive connections would otherwise keep close() (and the test) waiting.
      server.closeAllConnections();
      for (const [t, wake] of delays) {
        clearTimeout(t);
        wake();
      }
      delays.clear();
      await closed;
    },
  };
}
