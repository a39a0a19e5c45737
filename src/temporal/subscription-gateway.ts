// The subscription workflow as the services see it: start, describe, list, queries, updates and
// restore, each through TemporalCalls (deadline, errors sorted in gateway-errors.ts).
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { subscriptionWorkflowId } from '../../core/ids';
import type {
  Change,
  PublicSubscription,
  SubscriptionConfig,
  SubscriptionPatch,
  SubscriptionStatus,
} from '../../core/types';
import type { DeliverySummary } from '../../core/delivery-types';
import {
  configureUpdate,
  deleteUpdate,
  deliveriesQuery,
  deliveryChangesQuery,
  pauseUpdate,
  recoverUpdate,
  redeliverUpdate,
  restoredSignal,
  resumeUpdate,
  rotateSecretUpdate,
  statusQuery,
} from '../../workflows/messages';
import type { subscriptionWorkflow } from '../../workflows/subscription';
import type { TemporalCalls } from './calls';
import { isNotFound } from './gateway-errors';
import { pendingTaskOf } from './pending-task';
import {
  listRecentlyContinued,
  listSubscriptions,
  runStatus,
  type RunStatus,
} from './subscription-visibility';

export const WORKFLOW_TASK_TIMEOUT_MS = 5_000;

export class SubscriptionGateway {
  constructor(
    private readonly calls: TemporalCalls,
    private readonly taskQueue: string,
  ) {}

  private handle(id: string): WorkflowHandle<typeof subscriptionWorkflow> {
    return this.calls.client.workflow.getHandle(subscriptionWorkflowId(id));
  }

  /** The latest run's status and the memo it was started (or last upserted) with. */
  async describe(id: string): Promise<{ status: RunStatus; memo?: PublicSubscription; closedAt?: string }> {
    const desc = await this.calls.call(() => this.handle(id).describe());
    const memo = (await desc.memo)?.subscription as PublicSubscription | undefined;
    return { status: runStatus(desc.status.name), memo, closedAt: desc.closeTime?.toISOString() };
  }

  /** Subscriptions continued as new lately (subscription-visibility.ts): what one listing can miss. */
  recentlyContinued(withinMs?: number): Promise<PublicSubscription[]> {
    return listRecentlyContinued(this.calls, withinMs);
  }

  /** The latest run's status; deleted too for a workflow Temporal no longer has (past retention). */
  async runStatus(id: string): Promise<RunStatus> {
    try {
      return (await this.describe(id)).status;
    } catch (err) {
      if (isNotFound(err)) return 'deleted';
      throw err;
    }
  }

  /**
   * Since when the run's signals have waited for a workflow task to take them (epoch ms, the
   * server's clock), or nothing when no task is pending. A first attempt that a worker has
   * started does not count: a worker holds one open for as long as a first delivery attempt (a
   * local activity) runs, taking in the signals that arrive every few seconds. A retried one
   * does, from its first attempt's scheduling: that attempt timed out or failed.
   */
  async pendingTask(id: string): Promise<{ since?: number; detail?: string }> {
    const desc = await this.calls.call(() => this.handle(id).describe());
    return pendingTaskOf(desc.raw.pendingWorkflowTask);
  }

  async start(config: SubscriptionConfig, pub: PublicSubscription): Promise<void> {
    await this.calls.call(() =>
      this.calls.client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
        workflowId: subscriptionWorkflowId(config.id),
        taskQueue: this.taskQueue,
        args: [{ config }],
        // Workflow tasks stay far under 2 s (README, bounded backlog); a worker killed in the
        // middle of one then delays the subscription, and any query, by 5 s rather than 10.
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
        // The workflow upserts the same memo itself; setting it at start makes the new
        // subscription visible to other instances' listings without waiting for a worker.
        memo: { subscription: pub },
      }),
    );
  }

  /** Running and broken subscriptions (subscription-visibility.ts): the routing table's source. */
  list(events?: readonly string[]): Promise<PublicSubscription[]> {
    return listSubscriptions(this.calls, events);
  }

  status(id: string): Promise<SubscriptionStatus> {
    const h = this.handle(id);
    return this.calls.query(h.workflowId, () => h.query(statusQuery));
  }

  deliveries(id: string): Promise<DeliverySummary[]> {
    const h = this.handle(id);
    return this.calls.query(h.workflowId, () => h.query(deliveriesQuery));
  }

  /** The changes of a fast-path delivery, if the subscription kept them. */
  retainedChanges(id: string, sequence: number): Promise<Change[] | null> {
    const h = this.handle(id);
    return this.calls.query(h.workflowId, () => h.query(deliveryChangesQuery, sequence), 'delivery');
  }

  configure(id: string, patch: SubscriptionPatch): Promise<PublicSubscription> {
    return this.calls.update((updateId) =>
      this.handle(id).executeUpdate(configureUpdate, { args: [patch], updateId }),
    );
  }

  pause(id: string): Promise<PublicSubscription> {
    return this.calls.update((updateId) => this.handle(id).executeUpdate(pauseUpdate, { updateId }));
  }

  resume(id: string): Promise<PublicSubscription> {
    return this.calls.update((updateId) => this.handle(id).executeUpdate(resumeUpdate, { updateId }));
  }

  rotateSecret(id: string, secret: string, now: string): Promise<PublicSubscription> {
    return this.calls.update((updateId) =>
      this.handle(id).executeUpdate(rotateSecretUpdate, { args: [{ secret, now }], updateId }),
    );
  }

  delete(id: string): Promise<void> {
    return this.calls.update((updateId) => this.handle(id).executeUpdate(deleteUpdate, { updateId }));
  }

  redeliver(id: string, deliveryId: string, changes: Change[]): Promise<{ pendingChanges: number }> {
    return this.calls.update(
      (updateId) =>
        this.handle(id).executeUpdate(redeliverUpdate, { args: [{ deliveryId, changes }], updateId }),
      'delivery',
    );
  }

  recover(id: string, changes: Change[]): Promise<{ pendingChanges: number }> {
    return this.calls.update((updateId) =>
      this.handle(id).executeUpdate(recoverUpdate, { args: [{ changes }], updateId }),
    );
  }

  /** Tells a restored subscription to emit subscription.broken and subscription.restored. */
  restored(id: string, at: string, closedAt?: string): Promise<void> {
    return this.calls.call(() => this.handle(id).signal(restoredSignal, { at, closedAt }));
  }

  /**
   * Removes a closed workflow that cannot be restored (DELETE of a broken subscription without a
   * completed workflow task): Temporal deletes its run in the background (the dev server takes
   * about 30 s), after which its id is unknown.
   */
  purge(id: string): Promise<void> {
    const { client } = this.calls;
    return this.calls.call(async () => {
      await client.workflowService.deleteWorkflowExecution({
        namespace: client.options.namespace,
        workflowExecution: { workflowId: subscriptionWorkflowId(id) },
      });
    });
  }

  /**
   * Resets a closed workflow to its last completed workflow task, which replays everything
   * before it and re-applies every changes signal after it. False: there is no such task.
   */
  restore(id: string): Promise<boolean> {
    const h = this.handle(id);
    const { client } = this.calls;
    return this.calls.call(async () => {
      const history = await h.fetchHistory();
      const last = [...(history.events ?? [])].reverse().find((e) => e.workflowTaskCompletedEventAttributes);
      if (!last?.eventId) return false;
      const desc = await h.describe();
      await client.workflowService.resetWorkflowExecution({
        namespace: client.options.namespace,
        workflowExecution: { workflowId: h.workflowId, runId: desc.runId },
        reason: 'herald restore',
        workflowTaskFinishEventId: last.eventId,
        requestId: randomUUID(),
      });
      return true;
    });
  }
}
