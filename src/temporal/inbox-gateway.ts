// The ingest inbox workflows as the API sees them (issue 27): the one signal per shard per
// round, and making sure the shard's workflow runs. An inbox never closes on its own; one
// closed behind Herald's back (terminated in the UI, say) is reset to its last completed
// workflow task, which re-applies every signal after it, so nothing it had accepted is lost;
// one that cannot be reset is refused (InboxUnavailableError, a 503), never started afresh over
// a closed run that still held changes.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { inboxWorkflowId } from '../../core/inbox';
import type { Change } from '../../core/types';
import { inboxStatusQuery, ingestSignal, type InboxStatus } from '../../workflows/inbox-messages';
import type { inboxWorkflow } from '../../workflows/inbox';
import type { IngestSignalInput } from '../../core/inbox';
import { isNotFound, toGatewayError } from './gateway-errors';
import { measure } from './gateway';
import { jsonText } from './payload-converter';
import { pendingTaskOf } from './pending-task';
import { WORKFLOW_TASK_TIMEOUT_MS } from './subscription-gateway';

/** An inbox workflow is closed and could not be restored: the round is not accepted (503). */
export class InboxUnavailableError extends Error {
  constructor(readonly shard: number) {
    super(`ingest inbox ${inboxWorkflowId(shard)} is closed and could not be restored`);
    this.name = 'InboxUnavailableError';
  }
}

/** One round's share of a shard: each change once, and each subscription's changes by index. */
export interface ShardRound {
  changes: Change[];
  subs: { id: string; idx: number[] }[];
}

export class InboxGateway {
  /** Shards whose workflow this process has seen running (no describe before their signals). */
  private readonly known = new Set<number>();
  private readonly ensuring = new Map<number, Promise<void>>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timeoutMs: number,
    /** Least time between two waves of hand-offs of an inbox this process starts (ms). */
    private readonly handoffIntervalMs = 0,
  ) {}

  /** One `ingest` signal; resolves once Temporal has recorded it. */
  async send(shard: number, round: ShardRound): Promise<void> {
    const text = ingestText(round);
    if (!this.known.has(shard)) await this.ensure(shard);
    try {
      await this.signal(shard, text);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.known.delete(shard);
      await this.ensure(shard);
      await this.signal(shard, text);
    }
  }

  /** Since when the inbox's signals have waited for a workflow task (the lag guard's look). */
  async pendingTask(shard: number): Promise<{ since?: number; detail?: string }> {
    const desc = await this.call(() => this.client.workflow.getHandle(inboxWorkflowId(shard)).describe());
    return pendingTaskOf(desc.raw.pendingWorkflowTask);
  }

  status(shard: number): Promise<InboxStatus> {
    return this.call(() => this.client.workflow.getHandle(inboxWorkflowId(shard)).query(inboxStatusQuery));
  }

  private signal(shard: number, text: unknown): Promise<void> {
    return this.call(() =>
      this.client.workflow.getHandle(inboxWorkflowId(shard)).signal(ingestSignal, text as IngestSignalInput),
    );
  }

  /** Starts the shard's workflow, or restores a closed one; shared by concurrent callers. */
  private ensure(shard: number): Promise<void> {
    let p = this.ensuring.get(shard);
    if (!p) {
      p = this.startOrRestore(shard).finally(() => this.ensuring.delete(shard));
      this.ensuring.set(shard, p);
    }
    return p;
  }

  private async startOrRestore(shard: number): Promise<void> {
    const h = this.client.workflow.getHandle(inboxWorkflowId(shard));
    const desc = await this.call(() => h.describe()).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (!desc) {
      await this.call(() =>
        this.client.workflow.start<typeof inboxWorkflow>('inboxWorkflow', {
          workflowId: inboxWorkflowId(shard),
          taskQueue: this.taskQueue,
          args: [{ shard, handoffIntervalMs: this.handoffIntervalMs }],
          workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
          // Another API process may start it first: then this one uses that run.
          workflowIdConflictPolicy: 'USE_EXISTING',
          memo: { inbox: { shard, role: 'Herald ingest inbox: hands changes on to subscriptions' } },
        }),
      );
    } else if (desc.status.name !== 'RUNNING') {
      // Closed behind Herald's back: reset to the last completed task (its signals re-applied).
      const history = await this.call(() =>
        this.client.workflow.getHandle(h.workflowId, desc.runId).fetchHistory(),
      );
      const last = [...(history.events ?? [])].reverse().find((e) => e.workflowTaskCompletedEventAttributes);
      if (!last?.eventId) throw new InboxUnavailableError(shard);
      await this.call(() =>
        this.client.workflowService.resetWorkflowExecution({
          namespace: this.client.options.namespace,
          workflowExecution: { workflowId: h.workflowId, runId: desc.runId },
          reason: 'herald: ingest inbox closed outside Herald',
          workflowTaskFinishEventId: last.eventId,
          requestId: randomUUID(),
        }),
      );
    }
    this.known.add(shard);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + this.timeoutMs, fn);
    } catch (err) {
      throw toGatewayError(err);
    }
  }
}

/** `{"changes":[…],"sizes":[…],"subs":[…]}` from each change's text kept when it was measured. */
function ingestText(round: ShardRound) {
  const texts: string[] = [];
  const sizes: number[] = [];
  for (const c of round.changes) {
    const m = measure(c);
    texts.push(m.json);
    sizes.push(m.chars);
  }
  return jsonText(
    `{"changes":[${texts.join(',')}],"sizes":[${sizes.join(',')}],"subs":${JSON.stringify(round.subs)}}`,
  );
}
