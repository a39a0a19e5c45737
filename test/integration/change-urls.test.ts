// Issue 16 end to end: a real Temporal dev server, worker, API and receiver. A change url with
// an API key, user info or a format extension is refused (reject mode, the default) or cleaned
// (strip mode, a second API on the same cluster), derived urls follow the catalogue's templates,
// and nothing a publisher must not share ever reaches the partner.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApiServer, type ApiServer } from '../../src/api/server';
import { loadCatalog } from '../../src/catalog/catalog';
import { DEFAULT_CHANGE_URL_POLICY } from '../../src/webhook/change-url-policy';
import { createEncryptionCodec } from '../../src/temporal/codec';
import type { Change } from '../../core/types';
import { TEST_PUBLISH_KEY } from '../helpers/config';
import { startStack, type Stack } from '../helpers/stack';
import { waitUntil } from '../helpers/subscriptions';

const BASE = 'https://api.example.org';
const SECRET = 'SECRETKEY123';

void describe('change urls reaching a partner', () => {
  let stack: Stack;
  let stripApi: ApiServer;
  before(async () => {
    stack = await startStack({ config: { apiBaseUrl: BASE } });
    const { t } = stack;
    stripApi = await startApiServer({
      config: { ...t.config, changeUrls: { ...DEFAULT_CHANGE_URL_POLICY, mode: 'strip' } },
      client: t.client,
      catalog: loadCatalog(t.config.eventCatalogPath),
      codec: createEncryptionCodec(t.config.encryptionKeys),
      host: '127.0.0.1',
      port: 0,
    });
  });
  after(async () => {
    await stripApi?.close();
    await stack?.close();
  });

  const publishVia = async (base: string, changes: unknown[], path = '/v1/changes') => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_PUBLISH_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ changes }),
    });
    return { status: res.status, body: (await res.json()) as { error?: string; message?: string } };
  };

  it('refuses or strips credentials, keys and extensions, and derives urls from the templates', async () => {
    const created = await stack.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'Partner',
        url: stack.receiver.url,
        events: ['training.update', 'institute.import', 'person.category_added'],
        batching: { debounceMs: 300, maxWaitMs: 2000 },
      },
    });
    assert.equal(created.status, 201, created.text);
    const subscriptionId = created.body.id as string;

    // Reject mode: each bad url refuses its whole request, and says why.
    for (const url of [
      `${BASE}/trainings/9001.json?api_key=${SECRET}`,
      `https://publisher:${SECRET}@api.example.org/trainings/9002`,
      `${BASE}/trainings/9003.csv`,
      `${BASE}/trainings/9004?token=${SECRET}`,
    ]) {
      const refused = await publishVia(stack.server.url, [
        { action: 'update', object: 'training', id: 1001 },
        { action: 'update', object: 'training', id: Number(/900\d/.exec(url)![0]), url },
      ]);
      assert.equal(refused.status, 400, url);
      assert.equal(refused.body.error, 'validation_error');
      assert.match(
        refused.body.message!,
        /changes\.1\.url: must not carry credentials, an API key or a format/,
      );
    }

    // Accepted: derived urls (numeric and string ids) and, through the strip-mode API, a cleaned
    // one (sent to the subscription directly: that API's routing table may not know it yet).
    const ok = await publishVia(stack.server.url, [
      { action: 'update', object: 'training', id: 1001 },
      { action: 'import', object: 'institute', id: 'Zürich/Nord 2' },
      { action: 'update', object: 'person', id: 7, event: 'person.category_added', data: {} },
    ]);
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
    const stripped = await publishVia(
      stripApi.url,
      [
        {
          action: 'update',
          object: 'training',
          id: 2002,
          url: `https://publisher:pw@api.example.org/trainings/2002.json?api_key=${SECRET}&lang=nl`,
        },
      ],
      `/v1/subscriptions/${subscriptionId}/changes`,
    );
    assert.equal(stripped.status, 202, JSON.stringify(stripped.body));

    const received = () => stack.receiver.requests.flatMap((r) => (r.json as { changes: Change[] }).changes);
    await waitUntil(() => received().length >= 4, 30_000, 'four changes at the receiver').catch((err) => {
      throw new Error(`${(err as Error).message}; received ${JSON.stringify(received())}`);
    });
    const urls = Object.fromEntries(received().map((c) => [`${c.object}:${c.id}`, c.url]));
    assert.deepEqual(urls, {
      'training:1001': `${BASE}/trainings/1001`,
      'institute:Zürich/Nord 2': `${BASE}/institutes/Z%C3%BCrich%2FNord%202`,
      'person:7': `${BASE}/people/7`,
      'training:2002': `${BASE}/trainings/2002?lang=nl`,
    });

    // Nothing refused arrived, and no byte of any delivery carries a secret or an extension.
    await new Promise((r) => setTimeout(r, 1000));
    for (const request of stack.receiver.requests) {
      const text = request.rawBody.toString('utf8');
      assert.doesNotMatch(text, new RegExp(`${SECRET}|api_key|publisher:|\\.json|\\.csv|900\\d`));
    }
  });
});
