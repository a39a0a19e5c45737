// The bench's webhook receiver: node:http on 127.0.0.1:0, answers at once, and hands every
// delivered change with its arrival time to the phase that is listening. Each subscription
// gets its own path (/hook/<tag>) so receipts are attributed without checking signatures.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Change } from '../core/types';

export type OnChanges = (tag: string, changes: Change[], at: number) => void;

export interface BenchReceiver {
  urlFor(tag: string): string;
  /** Status of every answer from now on (503 simulates an outage). */
  setStatus(code: number): void;
  /** One listener at a time: the running phase's. */
  listen(fn: OnChanges | null): void;
  /** POSTs and refused POSTs (non-2xx answers) per tag, with the time of each. */
  posts: Map<string, number[]>;
  refused: Map<string, number[]>;
  reset(): void;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  let status = 200;
  let listener: OnChanges | null = null;
  const posts = new Map<string, number[]>();
  const refused = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, tag: string, at: number) => {
    const list = m.get(tag);
    if (list) list.push(at);
    else m.set(tag, [at]);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const tag = (req.url ?? '').split('/')[2] ?? '';
      const code = status;
      if (code >= 200 && code < 300) {
        push(posts, tag, at);
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { changes: Change[] };
          listener?.(tag, body.changes, at);
        } catch {
          // A body that is not JSON is a Herald bug; the phase notices the missing changes.
        }
      } else {
        push(refused, tag, at);
      }
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (tag) => `http://127.0.0.1:${port}/hook/${tag}`,
    setStatus: (code) => void (status = code),
    listen: (fn) => void (listener = fn),
    posts,
    refused,
    reset() {
      posts.clear();
      refused.clear();
      listener = null;
      status = 200;
    },
    async close() {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      await closed;
    },
  };
}
