// Issue 13: a backlog of any size. 200,000 distinct keys (~200 bytes of data each) pile up for
// one subscription whose receiver is down; the worker is killed with SIGKILL half-way; the
// receiver comes back and every key arrives in its final state, never going back to an older
// version. GET answers 200 throughout, and what the workflows write stays within the bounds:
// the longest workflow task and the largest payload, read off the real histories.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { HISTORY_PAGE_BYTES } from '../../src/temporal/client';
import { changeKey } from '../../core/merge';
import { deliveryWorkflowId, subscriptionWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';
import { historyStats } from '../helpers/history-stats';
import { call, createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, startModelReceiver, type ModelReceiver } from './helpers/model';
import { Cluster, ENCRYPTION_KEY } from './helpers/processes';

const KEYS = Number(process.env.HERALD_BACKLOG_KEYS ?? 200_000);
const PER_REQUEST = 1000;
const IN_FLIGHT = 4;
const MAX_TASK_MS = 2000;
const MAX_PAYLOAD_BYTES = 1024 * 1024;

void describe(
  'reliability: a backlog of 200,000 keys while the receiver is down',
  { timeout: 900_000 },
  () => {
    const cluster = new Cluster();
    let rx: ModelReceiver;
    const model = new Model();
    let v = 0;
    const change = (id: number): Change => ({
      action: 'update',
      object: 'training',
      id,
      data: { v: ++v, h: randomBytes(95).toString('hex') },
    });

    let api: Awaited<ReturnType<Cluster['startApi']>>;
    before(async () => {
      await cluster.startTemporal();
      api = await cluster.startApi();
      rx = await startModelReceiver('fail');
    });
    after(async () => {
      await rx?.close();
      await cluster.shutdown();
    });

    void it('delivers every key in order after the outage, through a worker crash, within the bounds', async () => {
      let worker = await cluster.startWorker();
      const sub = await createSubscription(cluster.apiUrl, {
        url: rx.url,
        events: ['training.update'],
        batching: { debounceMs: 200, maxWaitMs: 1000, maxBatchSize: 500 },
        retry: { initialIntervalMs: 500, backoffCoefficient: 1, maximumAttempts: 0, timeoutMs: 2000 },
      });
      const path = `/v1/subscriptions/${sub.id as string}`;
      // An operator watching all along: every GET must answer 200.
      const gets = { ok: 0, other: [] as string[], maxPending: 0, maxQueued: 0 };
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const res = await call(cluster.apiUrl, 'GET', path, { key: 'admin' }).catch(() => ({
            status: 0,
            body: {} as Record<string, number>,
          }));
          if (res.status === 200) {
            gets.ok++;
            gets.maxPending = Math.max(gets.maxPending, res.body.pendingChanges as number);
            gets.maxQueued = Math.max(gets.maxQueued, res.body.queuedChanges as number);
          } else gets.other.push(`${res.status} ${JSON.stringify(res.body)} at ${new Date().toISOString()}`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();

      const started = Date.now();
      let next = 1;
      let killed = false;
      const publisher = async () => {
        while (next <= KEYS) {
          const from = next;
          next += PER_REQUEST;
          const changes = Array.from({ length: Math.min(PER_REQUEST, KEYS - from + 1) }, (_, i) =>
            change(from + i),
          );
          await publishUntilAccepted(() => cluster.apiUrl, changes, 180_000);
          model.accept(changes);
          if (!killed && next > KEYS / 2) {
            killed = true;
            console.log(`kill -9 of the worker at ${new Date().toISOString()}`);
            await worker.kill9();
            worker = await cluster.startWorker();
            console.log(`new worker up at ${new Date().toISOString()}`);
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, publisher));
      const ingestS = (Date.now() - started) / 1000;

      const recovery = Date.now();
      rx.setBehaviour('ok');
      assert.deepEqual((await rx.converge(model, 600_000)).slice(0, 5), [], 'every key in its final state');
      const recoveredS = (Date.now() - recovery) / 1000;
      watching = false;
      await watcher;

      // In order: a key's version never goes back at the receiver.
      const seen = new Map<string, number>();
      let regressions = 0;
      for (const req of rx.acknowledged)
        for (const c of (req.json as { changes: Change[] }).changes) {
          const key = changeKey(c);
          const version = c.data!.v as number;
          if (version < (seen.get(key) ?? 0)) regressions++;
          seen.set(key, version);
        }
      assert.equal(regressions, 0, 'no key ever went back to an older version');
      assert.equal(seen.size, KEYS);
      if (gets.other.length)
        console.log(
          api
            .stdout()
            .split('\n')
            .filter((l) => /error|warn|50\d/i.test(l))
            .slice(-10)
            .join('\n'),
        );
      assert.deepEqual(gets.other, [], 'GET answered 200 throughout');

      const detail = await call(cluster.apiUrl, 'GET', path, { key: 'admin' });
      const batches = detail.body.counters.deliveriesStarted as number;
      const connection = await Connection.connect({
        address: cluster.address,
        channelArgs: { 'grpc.max_receive_message_length': HISTORY_PAGE_BYTES },
      });
      try {
        const client = new Client({ connection, dataConverter: heraldDataConverter(ENCRYPTION_KEY) });
        const ids = [subscriptionWorkflowId(sub.id as string)];
        for (let n = 1; n <= batches; n++) ids.push(deliveryWorkflowId(sub.id as string, n));
        const stats = await historyStats(client, ids, createEncryptionCodec(ENCRYPTION_KEY));
        console.log(
          `backlog: ${KEYS} keys ingested in ${ingestS.toFixed(1)} s (${Math.round(KEYS / ingestS)} changes/s), ` +
            `delivered ${recoveredS.toFixed(1)} s after recovery in ${rx.acknowledged.length} POSTs; ` +
            `${batches} batches; GET 200 x${gets.ok}, largest open window ${gets.maxPending} keys, ` +
            `largest queue ${gets.maxQueued} changes; ${stats.runs} runs, ${stats.events} events ` +
            `(longest run ${stats.maxRunEvents}); longest workflow task ${stats.maxTaskMs} ms; ` +
            `largest payload ${stats.maxPayloadBytes} bytes (${stats.maxPayloadAt})`,
        );
        assert.ok(stats.maxTaskMs <= MAX_TASK_MS, `longest workflow task ${stats.maxTaskMs} ms`);
        assert.ok(
          stats.maxPayloadBytes <= MAX_PAYLOAD_BYTES,
          `largest payload ${stats.maxPayloadBytes} bytes`,
        );
      } finally {
        await connection.close();
      }
      assert.ok(worker.alive());
    });
  },
);
