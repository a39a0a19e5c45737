// Encryption at rest (issue 6): a subscription's token and signing secret and a change's personal
// data never reach Temporal's SQLite file or its WAL in clear, in any base64 alignment either;
// an operator decodes them through the codec server with the admin key or the UI's token path.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codecUiToken } from '../../src/temporal/codec';
import { SQLITE_PRAGMAS } from '../../src/temporal/dev-server';
import { statusQuery } from '../../workflows/messages';
import { subscriptionWorkflowId } from '../../core/ids';
import { TEST_ADMIN_KEY } from '../helpers/config';
import { personChange, startStack, type Stack } from '../helpers/stack';

const TOKEN = 'tok_at_rest_Q7vX2mZk9';
const SECRET = `whsec_${Buffer.from('at-rest-signing-secret-bytes-0123456789').toString('base64')}`;
const PII = 'ada.lovelace.at-rest@example.org';

/** Every base64/base64url text of `s` as it would appear inside a longer encoded blob. */
export function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const aligned = bytes.subarray(i);
    const full = Math.floor(aligned.length / 3) * 3;
    const chunk = aligned.subarray(0, full);
    out.push(chunk.toString('base64'), chunk.toString('base64url'));
  }
  return [...new Set(out)].filter((f) => f.length >= 12);
}

function scan(files: string[], needles: string[]): string[] {
  const found: string[] = [];
  for (const f of files.filter((file) => existsSync(file))) {
    const bytes = readFileSync(f);
    for (const n of needles) if (bytes.includes(Buffer.from(n, 'utf8'))) found.push(`${n} in ${f}`);
  }
  return found;
}

void describe('payload encryption at rest and the codec server', () => {
  let s: Stack;
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-at-rest-'));
    db = join(dir, 'temporal.db');
    // The embedded server's own pragmas, so the WAL exists as in `npm start`.
    const extraArgs = SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]);
    s = await startStack({ dbFilename: db, extraArgs });
  });
  after(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('keeps token, secret and personal data out of the SQLite file and WAL; decodes via /codec', async () => {
    const created = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'At rest',
        url: s.receiver.url,
        events: ['person.category_added'],
        includePii: true,
        token: TOKEN,
        signingSecret: SECRET,
        batching: { debounceMs: 100, maxWaitMs: 1000 },
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const published = await s.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [personChange(1, PII)] },
    });
    assert.equal(published.status, 202, published.text);
    assert.equal(published.body.subscriptions, 1);
    await s.receiver.waitForRequests(1, 15_000);
    const delivered = s.receiver.requests[0]!;
    assert.ok(delivered.rawBody.toString().includes(PII), 'the receiver got the personal data (includePii)');
    assert.equal(delivered.headers['x-webhook-token'], TOKEN);
    // The delivery's result and finished signal are recorded once the history has them.
    const handle = s.t.client.workflow.getHandle(subscriptionWorkflowId(id));
    const deadline = Date.now() + 10_000;
    while ((await handle.query(statusQuery)).counters.deliveriesDelivered < 1) {
      assert.ok(Date.now() < deadline, 'delivery recorded in the workflow');
      await new Promise((r) => setTimeout(r, 100));
    }

    const files = [db, `${db}-wal`];
    assert.ok(existsSync(`${db}-wal`), 'the WAL file exists while the server runs');
    const sizes = files.map((f) => readFileSync(f).length);
    // Positive control: the scan sees the history (workflow ids are not payloads, so they are in clear).
    assert.ok(scan(files, [subscriptionWorkflowId(id)]).length > 0, 'the workflow id is found in clear');
    const needles = [TOKEN, SECRET, PII, ...[TOKEN, SECRET, PII].flatMap(base64Forms)];
    assert.deepEqual(scan(files, needles), [], 'no secret or personal data in the database');
    console.log(`  scanned ${sizes.join(' + ')} bytes (db + wal) for ${needles.length} forms: none found`);

    // Decoding: the start input carries token and secret, the changes signal the personal data.
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const signal = history.events?.find(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'changes',
    )?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
    assert.ok(started && signal, 'start input and changes signal in the history');
    const toJson = (p: typeof started) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? []).toString('base64'),
    });
    const body = { payloads: [toJson(started), toJson(signal)] };
    assert.equal(Buffer.from(started.metadata!.encoding!).toString(), 'binary/encrypted');

    const decoded = await s.api('POST', '/codec/decode', { key: 'admin', body });
    assert.equal(decoded.status, 200, decoded.text);
    const plain = (decoded.body.payloads as { data: string }[]).map((p) =>
      Buffer.from(p.data, 'base64').toString(),
    );
    assert.ok(plain[0]!.includes(TOKEN) && plain[0]!.includes(SECRET), 'start input decoded');
    assert.ok(plain[1]!.includes(PII), 'changes signal decoded');

    assert.equal((await s.api('POST', '/codec/decode', { body })).status, 401, 'no key');
    assert.equal((await s.api('POST', '/codec/decode', { key: 'publish', body })).status, 401, 'publish key');
    const ui = await s.api('POST', `/codec/ui/${codecUiToken(TEST_ADMIN_KEY)}/decode`, { body });
    assert.equal(ui.status, 200, ui.text);
    assert.deepEqual(ui.body, decoded.body, 'the UI token path decodes the same');
    assert.equal(
      (await s.api('POST', `/codec/ui/${'x'.repeat(43)}/decode`, { body })).status,
      401,
      'bad token',
    );
    assert.equal(
      (await s.api('POST', `/codec/ui/${TEST_ADMIN_KEY}/decode`, { body })).status,
      401,
      'the key itself is no token',
    );

    // After the server stops, the WAL is checkpointed into the database: scan it again.
    await s.close();
    assert.ok(existsSync(db), 'the database outlives the server');
    assert.deepEqual(scan(files, needles), [], 'none after shutdown either');
  });
});
