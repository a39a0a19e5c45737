// The bench's HTTP client for Herald's API: subscriptions and publishing, over an undici pool
// with keep-alive. It shares the machine with what it measures, so it is the cheapest client
// undici offers (`request`, not `fetch`: about a third of the CPU per call).
// Every non-2xx answer is an error: the bench is broken, not slow.
import { Pool } from 'undici';
import type { BatchingConfig, Change, RetryConfig } from '../core/types';
import { BEHIND_REASON } from '../src/service/errors';
import { runPool, sleep } from './pool';

export interface SubscriptionSpec {
  url: string;
  batching: Partial<BatchingConfig>;
  retry?: Partial<RetryConfig>;
  tenant?: string;
}

export class HeraldApi {
  /** 503 subscription_busy answers waited out (backpressure), over this client's life. */
  busyRefusals = 0;
  /** Of those, the ones the lag guard gave (the subscription's workflow task waited too long). */
  lagRefusals = 0;
  /** 503 temporal_unavailable answers retried after a second, as the API asks a publisher to. */
  unavailableRetries = 0;

  private readonly pool: Pool;

  constructor(
    private readonly base: string,
    private readonly adminKey: string,
    private readonly publishKey: string,
  ) {
    this.pool = new Pool(base, { connections: 128, pipelining: 1 });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async call(method: string, path: string, key: string, body?: string): Promise<unknown> {
    let unavailable = 0;
    for (;;) {
      const res = await this.pool.request({
        method: method as 'GET',
        path,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
      });
      const text = await res.body.text();
      // Backpressure, as a well-behaved publisher takes it: wait as told, then send it again.
      if (res.statusCode === 503 && text.includes('"subscription_busy"')) {
        this.busyRefusals++;
        if (text.includes(BEHIND_REASON)) this.lagRefusals++;
        await sleep(Number(res.headers['retry-after'] ?? 1) * 1000);
        continue;
      }
      // Temporal too slow for a signal's deadline: the API says retrying is safe, and a
      // publisher does so. Counted and reported, never hidden; a few in a row is a broken run.
      if (res.statusCode === 503 && text.includes('"temporal_unavailable"') && ++unavailable <= 5) {
        this.unavailableRetries++;
        await sleep(1000);
        continue;
      }
      if (res.statusCode >= 300)
        throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    }
  }

  /** Creates `n` subscriptions to every event ("*"), 8 at a time; returns their ids in order. */
  async createSubscriptions(n: number, spec: (i: number) => SubscriptionSpec): Promise<string[]> {
    const ids: string[] = new Array<string>(n);
    await runPool(
      8,
      (i) => i < n,
      async (i) => {
        const s = spec(i);
        const body = JSON.stringify({ name: `bench ${i}`, events: ['*'], ...s });
        const sub = (await this.call('POST', '/v1/subscriptions', this.adminKey, body)) as { id: string };
        ids[i] = sub.id;
      },
    );
    return ids;
  }

  async deleteSubscriptions(ids: string[]): Promise<void> {
    await runPool(
      8,
      (i) => i < ids.length,
      async (i) => void (await this.call('DELETE', `/v1/subscriptions/${ids[i]}`, this.adminKey)),
    );
  }

  /** GET with the admin key (a subscription's detail, for its counters). */
  get(path: string): Promise<unknown> {
    return this.call('GET', path, this.adminKey);
  }

  /** POST /v1/changes with a pre-serialised body; resolves at the 202 with its time. */
  async publishRaw(body: string): Promise<number> {
    await this.call('POST', '/v1/changes', this.publishKey, body);
    return Date.now();
  }

  publish(changes: Change[]): Promise<number> {
    return this.publishRaw(JSON.stringify({ changes }));
  }
}

/** An update to training `id` carrying `v`, the value the final-state checks look for. */
export const change = (id: string | number, v: number): Change => ({
  action: 'update',
  object: 'training',
  id,
  data: { v },
});

/** A counter's total from Prometheus text (all label sets summed). */
export async function scrapeCounter(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
