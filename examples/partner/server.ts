// A partner's webhook receiver, ready to copy: verify the raw body, answer 200 at once, skip
// deliveries already seen, then process the changes as the Springest text says:
//   import of an institute → fetch all its trainings;  update → fetch the object at `url`;
//   destroy → remove it locally.
import Fastify from 'fastify';
import { verifyDelivery, WebhookVerificationError, type ReceivedChange } from 'herald/receiver';
import { PartnerStore, SeenDeliveries, type Institute, type Training } from './store';

export interface PartnerOptions {
  /** The subscription's signing secret; several while rotating. */
  secret: string | string[];
  /** The subscription's token, checked when given. */
  token?: string;
  /** HERALD_HEADER_PREFIX of the publisher (`x-coachview-wh` for Coachview names). */
  headerPrefix?: string;
  /** The publisher's API: change URLs outside it are never fetched. */
  apiBaseUrl: string;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export interface Partner {
  /** The webhook URL to register with the publisher. */
  url: string;
  store: PartnerStore;
  stats: { accepted: number; duplicates: number; refused: number; processed: number; failed: number };
  /** Resolves when every accepted change has been processed. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

class NotFound extends Error {}

async function getJson<T>(url: string): Promise<T> {
  // A few quick tries: the delivery is already acknowledged, so a blip here would lose it.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status === 404) throw new NotFound(url);
      if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
      return (await res.json()) as T;
    } catch (err) {
      if (err instanceof NotFound || attempt === 3) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export async function startPartner(opts: PartnerOptions): Promise<Partner> {
  const log = opts.log ?? (() => undefined);
  const store = new PartnerStore();
  const seen = new SeenDeliveries();
  const stats = { accepted: 0, duplicates: 0, refused: 0, processed: 0, failed: 0 };
  const base = opts.apiBaseUrl.replace(/\/+$/, '') + '/';

  function urlOf(change: ReceivedChange): string {
    // Signed by the publisher, but a URL elsewhere is still a mistake worth refusing.
    if (!change.url?.startsWith(base)) throw new Error(`change url ${change.url} is outside ${base}`);
    return change.url;
  }

  async function apply(change: ReceivedChange): Promise<void> {
    const id = Number(change.id);
    const key = `${change.object} ${change.id}`;
    if (change.object === 'training') {
      if (change.action === 'destroy') return store.removeTraining(id);
      try {
        store.upsertTraining(await getJson<Training>(urlOf(change)));
      } catch (err) {
        // Gone between the change and our fetch: the destroy is on its way, act on it now.
        if (err instanceof NotFound) return store.removeTraining(id);
        throw err;
      }
    } else if (change.object === 'institute') {
      if (change.action === 'destroy') return store.removeInstitute(id);
      const url = urlOf(change);
      store.upsertInstitute(await getJson<Institute>(url));
      if (change.action === 'import')
        store.replaceInstituteTrainings(id, await getJson<Training[]>(`${url}/trainings`));
    } else {
      log(`ignoring ${key}: not an object this partner keeps`);
    }
  }

  // One change at a time, in delivery order: a slow fetch for an older delivery must not
  // overwrite what a newer delivery already stored.
  let queue = Promise.resolve();
  const enqueue = (changes: ReceivedChange[]) => {
    for (const change of changes)
      queue = queue.then(() =>
        apply(change).then(
          () => void stats.processed++,
          (err: unknown) => {
            stats.failed++;
            log(`could not process ${change.action} ${change.object} ${change.id}: ${String(err)}`);
          },
        ),
      );
  };

  const app = Fastify({ logger: false });
  // Keep the exact bytes: the signature is over them, not over a re-serialised object.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/webhooks/herald', async (req, reply) => {
    let delivery;
    try {
      delivery = verifyDelivery({
        rawBody: req.body as Buffer,
        headers: req.headers,
        secret: opts.secret,
        token: opts.token,
        headerPrefix: opts.headerPrefix,
      });
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      stats.refused++;
      log(`refused a delivery: ${err.code} (${err.message})`);
      return reply.code(err.code === 'bad_body' ? 400 : 401).send({ error: err.code });
    }
    // Herald resends with the same webhook-id when our answer was lost: acknowledge, skip.
    if (delivery.deliveryId !== undefined && !seen.firstTime(delivery.deliveryId)) {
      stats.duplicates++;
      return reply.code(200).send({ duplicate: true });
    }
    stats.accepted++;
    log(
      `delivery ${delivery.deliveryId}: ${delivery.changes.map((c) => `${c.action} ${c.object} ${c.id}`).join(', ')}`,
    );
    // Acknowledge before processing (the Coachview advice): the sender's timeout never depends
    // on our fetches. A production partner writes the changes to a durable queue first.
    enqueue(delivery.changes);
    return reply.code(200).send({ received: delivery.changes.length });
  });

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/webhooks/herald`,
    store,
    stats,
    idle: () => queue,
    close: async () => {
      await app.close();
      await queue;
    },
  };
}
