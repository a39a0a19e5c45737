// The model every reliability test compares against: per key, the last change the publisher
// had accepted (202). The receiver side counts only the requests it acknowledged with 2xx,
// in arrival order, as a real receiver that applies bodies in order would.
import type { ServerResponse } from 'node:http';
import { changeKey } from '../../../core/merge';
import type { Action, Change } from '../../../core/types';
import { startReceiver, type ReceivedRequest, type Receiver } from '../../helpers/receiver';
import { finalStateByKey } from '../../helpers/subscriptions';

export class Model {
  private counter = 0;
  readonly last = new Map<string, Change>();

  /** A new change with a value no earlier change had: `data: {v: <monotonic counter>}`. */
  change(object: string, id: number | string, action: Action = 'update'): Change {
    return { action, object, id, data: { v: ++this.counter } };
  }

  /** Records changes the API answered 202 for. */
  accept(changes: Change[]): void {
    for (const c of changes) this.last.set(changeKey(c), c);
  }

  /** Keys whose final state at the receiver differs from the model, described. */
  diff(received: Map<string, Change>, filter: (c: Change) => boolean = () => true): string[] {
    const out: string[] = [];
    for (const [key, want] of this.last) {
      if (!filter(want)) continue;
      const got = received.get(key);
      if (!got) out.push(`${key}: never arrived (want ${want.action} v${want.data?.v as number})`);
      else if (got.action !== want.action || JSON.stringify(got.data) !== JSON.stringify(want.data))
        out.push(
          `${key}: got ${got.action} ${JSON.stringify(got.data)}, want ${want.action} ${JSON.stringify(want.data)}`,
        );
    }
    return out;
  }
}

/** ok: 200 · fail: 503 · error: 500 · hold: never answer (a timeout for Herald) · drop: close the socket. */
export type Behaviour = 'ok' | 'fail' | 'error' | 'hold' | 'drop';
export type Decide = (req: ReceivedRequest, n: number) => Behaviour;

export interface ModelReceiver {
  receiver: Receiver;
  url: string;
  /** Requests answered 2xx, in arrival order. */
  acknowledged: ReceivedRequest[];
  setBehaviour(b: Behaviour | Decide): void;
  /** Ends held requests by closing their sockets. */
  releaseHeld(): void;
  finalState(): Map<string, Change>;
  /** Waits until the final state matches the model; returns the remaining differences. */
  converge(model: Model, timeoutMs: number, filter?: (c: Change) => boolean): Promise<string[]>;
  close(): Promise<void>;
}

export async function startModelReceiver(initial: Behaviour | Decide = 'ok'): Promise<ModelReceiver> {
  const receiver = await startReceiver();
  const acknowledged: ReceivedRequest[] = [];
  const held = new Set<ServerResponse>();
  let decide: Decide = typeof initial === 'function' ? initial : () => initial;
  receiver.setHandler((req, res, n) => {
    const b = decide(req, n);
    if (b === 'ok') {
      acknowledged.push(req);
      res.writeHead(200).end();
    } else if (b === 'fail') res.writeHead(503).end('down');
    else if (b === 'error') res.writeHead(500).end('boom');
    else if (b === 'drop') res.socket?.destroy();
    else {
      held.add(res);
      res.once('close', () => held.delete(res));
    }
  });
  const finalState = () => finalStateByKey(acknowledged.map((r) => r.json));
  return {
    receiver,
    url: receiver.url,
    acknowledged,
    setBehaviour: (b) => void (decide = typeof b === 'function' ? b : () => b),
    releaseHeld() {
      for (const res of held) res.socket?.destroy();
      held.clear();
    },
    finalState,
    async converge(model, timeoutMs, filter) {
      const end = Date.now() + timeoutMs;
      let diff = model.diff(finalState(), filter);
      while (diff.length > 0 && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 200));
        diff = model.diff(finalState(), filter);
      }
      return diff;
    },
    close: () => receiver.close(),
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same run. Returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
