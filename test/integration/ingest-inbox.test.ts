// The ingest inbox (issue 27, HERALD_INGEST=inbox) on a real Temporal dev server: one signal per
// shard per round before the 202, handed on to every matching subscription once and in order per
// key; a subscription broken while its changes sit in an inbox is healed and gets them, a deleted
// one's are dropped; an inbox workflow terminated behind Herald's back is reset (nothing it held
// is lost, nothing applied twice) or, when it cannot be, the request is answered 503.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { inboxWorkflowId } from '../../core/inbox';
import { subscriptionWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';
import { inboxStatusQuery } from '../../workflows/inbox-messages';
import { InboxGateway, InboxUnavailableError } from '../../src/temporal/inbox-gateway';
import { finalStateByKey, waitUntil } from '../helpers/subscriptions';
import { startStack, type Stack } from '../helpers/stack';

const SHARDS = 2;
const change = (id: number, v: number): Change => ({ action: 'update', object: 'training', id, data: { v } });
const keys = (n: number, v: number) => Array.from({ length: n }, (_, i) => change(i + 1, v));

void describe('ingest inbox', { timeout: 240_000 }, () => {
  let s: Stack;
  let worker: { shutdown(): Promise<void> } | undefined;
  before(async () => {
    s = await startStack({
      worker: false,
      config: { ingest: { mode: 'inbox', shards: SHARDS, intervalMs: 0 } },
    });
  });
  after(async () => {
    await worker?.shutdown();
    await s?.close();
  });

  const publish = async (changes: unknown[]) => {
    const r = await s.api('POST', '/v1/changes', { key: 'publish', body: { changes } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r;
  };
  const create = async (name: string) => {
    const r = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name,
        url: `${s.receiver.url}/${name}`,
        events: ['*'],
        batching: { debounceMs: 0, maxWaitMs: 1000 },
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };
  const finalAt = (name: string) =>
    finalStateByKey(s.receiver.requests.filter((r) => r.path.endsWith(`/${name}`)).map((r) => r.json));
  const converged = (name: string, n: number, v: (id: number) => number) => () => {
    const got = finalAt(name);
    if (got.size < n) return false;
    for (let id = 1; id <= n; id++) if (got.get(`training\u0000${id}`)?.data?.v !== v(id)) return false;
    return true;
  };
  const inbox = (shard: number) => s.t.client.workflow.getHandle(inboxWorkflowId(shard));
  const received = async (id: string) =>
    (await s.api('GET', `/v1/subscriptions/${id}`, { key: 'admin' })).body.counters.changesReceived as number;

  void it('an inbox terminated before it ever ran cannot be restored: refused (503), never started afresh', async () => {
    // A shard of its own, on a task queue no worker polls: its workflow never completes a task.
    const gateway = new InboxGateway(s.t.client, 'no-worker-here', 5_000);
    const round = { changes: [change(1, 1)], subs: [{ id: 'sub_x', idx: [0] }] };
    await gateway.send(7, round);
    await inbox(7).terminate('by hand');
    await assert.rejects(gateway.send(7, round), InboxUnavailableError);
    // Through the API such a shard is a 503 inbox_unavailable (test/unit/inbox.test.ts).
    await inbox(7)
      .terminate('cleanup')
      .catch(() => undefined);
  });

  void it('hands every change on to every matching subscription once, in order per key', async () => {
    worker = await s.t.startWorker();
    const ids = [await create('a'), await create('b'), await create('c')];
    for (let v = 1; v <= 5; v++)
      await Promise.all(
        [0, 1, 2, 3].map((q) => publish(Array.from({ length: 5 }, (_, i) => change(q * 5 + i + 1, v)))),
      );
    for (const name of ['a', 'b', 'c'])
      await waitUntil(
        converged(name, 20, () => 5),
        30_000,
        `${name} converged`,
      );
    for (const id of ids) assert.equal(await received(id), 100, 'each change applied once');
    // The path in Temporal: each subscription's changes came as hand-offs from the inbox runs.
    const history = await s.t.client.workflow.getHandle(subscriptionWorkflowId(ids[0]!)).fetchHistory();
    const signals = (history.events ?? []).flatMap(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? [],
    );
    assert.ok(signals.includes('inboxHandoff') && !signals.includes('changes'), signals.join(','));
    for (let shard = 0; shard < SHARDS; shard++) {
      const st = await inbox(shard).query(inboxStatusQuery);
      assert.deepEqual(st.waiting, []);
      assert.ok(st.round > 0);
    }
    for (const id of ids) await s.api('DELETE', `/v1/subscriptions/${id}`, { key: 'admin' });
  });

  void it('a subscription broken while its changes sit in an inbox is healed and gets them; a deleted one’s are dropped', async () => {
    const [a, b] = [await create('broken'), await create('deleted')];
    const c = await create('healthy');
    await publish(keys(10, 1));
    for (const name of ['broken', 'deleted', 'healthy'])
      await waitUntil(
        converged(name, 10, () => 1),
        30_000,
        name,
      );
    await worker!.shutdown();
    await publish(keys(10, 2)); // accepted into the inboxes; no worker hands them on
    await s.t.client.workflow.getHandle(subscriptionWorkflowId(a)).terminate('by hand');
    await s.t.client.workflowService.deleteWorkflowExecution({
      namespace: s.t.namespace,
      workflowExecution: { workflowId: subscriptionWorkflowId(b) },
    });
    await waitUntil(
      () =>
        s.t.client.workflow
          .getHandle(subscriptionWorkflowId(b))
          .describe()
          .then(
            () => false,
            () => true,
          ),
      20_000,
      'the deleted workflow gone',
    );
    worker = await s.t.startWorker();
    await waitUntil(
      converged('healthy', 10, () => 2),
      30_000,
      'healthy converged',
    );
    await waitUntil(
      converged('broken', 10, () => 2),
      60_000,
      'broken one healed and converged',
    );
    await waitUntil(
      async () => {
        let dropped = 0;
        for (let shard = 0; shard < SHARDS; shard++)
          dropped += (await inbox(shard).query(inboxStatusQuery)).dropped;
        return dropped === 10;
      },
      30_000,
      'the deleted subscription’s 10 changes dropped',
    );
    assert.equal(await received(c), 20);
    for (const id of [a, c]) await s.api('DELETE', `/v1/subscriptions/${id}`, { key: 'admin' });
  });

  void it('an inbox terminated behind Herald’s back is reset by the next request: nothing lost, nothing applied twice', async () => {
    const id = await create('reset');
    await publish(keys(10, 1));
    await waitUntil(
      converged('reset', 10, () => 1),
      30_000,
      'first round',
    );
    await worker!.shutdown();
    await publish(keys(10, 2)); // sits in the inboxes
    for (let shard = 0; shard < SHARDS; shard++) await inbox(shard).terminate('by hand');
    await publish(keys(5, 3)); // the API resets the inboxes, then records this
    worker = await s.t.startWorker();
    await waitUntil(
      converged('reset', 10, (k) => (k <= 5 ? 3 : 2)),
      60_000,
      'every key final',
    );
    await waitUntil(async () => (await received(id)) >= 25, 20_000, 'all applied');
    assert.equal(await received(id), 25, 'each change applied once');
  });

  void it('an inbox continues as new within its bounds, carrying what it has not handed on', async () => {
    const id = await create('carried');
    await worker!.shutdown();
    // Its own shard, with a low history limit: the first task of its first run continues as new.
    await s.t.client.workflow.start('inboxWorkflow', {
      workflowId: inboxWorkflowId(5),
      taskQueue: s.t.taskQueue,
      args: [{ shard: 5, historyLimit: 20 }],
    });
    const gateway = new InboxGateway(s.t.client, s.t.taskQueue, 5_000);
    for (let v = 1; v <= 30; v++)
      await gateway.send(5, { changes: keys(4, v), subs: [{ id, idx: [0, 1, 2, 3] }] });
    const first = (await inbox(5).describe()).runId;
    worker = await s.t.startWorker();
    await waitUntil(
      converged('carried', 4, () => 30),
      30_000,
      'every round handed on',
    );
    assert.notEqual((await inbox(5).describe()).runId, first, 'continued as new');
    assert.equal(await received(id), 120, 'each change applied once');
    await inbox(5).terminate('cleanup');
  });

  void it('an inbox continues as new in the task of an ingest signal, so that the next one is a gap away', async () => {
    const id = await create('steady');
    await s.t.client.workflow.start('inboxWorkflow', {
      workflowId: inboxWorkflowId(6),
      taskQueue: s.t.taskQueue,
      args: [{ shard: 6, historyLimit: 60 }],
    });
    const gateway = new InboxGateway(s.t.client, s.t.taskQueue, 5_000);
    // A steady stream, one round every 20 ms, as a publisher at 50 requests/s.
    for (let v = 1; v <= 100; v++) {
      const next = new Promise((r) => setTimeout(r, 20));
      await gateway.send(6, { changes: keys(1, v), subs: [{ id, idx: [0] }] });
      await next;
    }
    await waitUntil(
      converged('steady', 1, () => 100),
      30_000,
      'the last round handed on',
    );
    const ends: string[] = [];
    for await (const run of s.t.client.workflow.list({
      query: `WorkflowId = '${inboxWorkflowId(6)}' AND ExecutionStatus = 'ContinuedAsNew'`,
    })) {
      const events =
        (await s.t.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
      const type = (i: number) => temporal.api.enums.v1.EventType[events[i]?.eventType ?? 0] ?? '';
      const end = events.length - 1;
      assert.match(type(end), /CONTINUED_AS_NEW/);
      // The task that continued: what scheduled it, and its cancelled wait for a signal.
      let scheduled = end - 1;
      while (scheduled > 0 && !/WORKFLOW_TASK_SCHEDULED/.test(type(scheduled))) scheduled--;
      const cause = type(scheduled - 1);
      ends.push(`${cause.replace('EVENT_TYPE_', '')} then ${type(end - 1).replace('EVENT_TYPE_', '')}`);
    }
    assert.ok(ends.length >= 2, `runs continued as new: ${ends.length}`);
    // Each continued right after an ingest signal (cancelling its wait), or after the wait ran out.
    for (const end of ends)
      assert.match(
        end,
        /^(WORKFLOW_EXECUTION_SIGNALED then TIMER_CANCELED|TIMER_FIRED then .*)$/,
        ends.join('; '),
      );
    assert.ok(
      ends.some((e) => e.startsWith('WORKFLOW_EXECUTION_SIGNALED')),
      `under a steady stream, continued in a signal's task: ${ends.join('; ')}`,
    );
    await inbox(6).terminate('cleanup');
  });
});
