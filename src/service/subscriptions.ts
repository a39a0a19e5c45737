// Subscription configuration through Temporal: the subscription workflow is the only store.
// Writes are workflow start and updates, reads are queries (one subscription) or visibility
// with the memo (the list). Every write is applied to this process's routing table at once.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { HeraldConfig } from '../config';
import { generateSigningSecret, generateToken } from '../webhook/signing';
import {
  configureUpdate,
  deleteUpdate,
  deliveriesQuery,
  deliveryStateQuery,
  pauseUpdate,
  resumeUpdate,
  rotateSecretUpdate,
  statusQuery,
} from '../../workflows/messages';
import { deliveryWorkflowId, subscriptionWorkflowId } from '../../core/ids';
import type { subscriptionWorkflow } from '../../workflows/subscription';
import { zeroCounters } from '../../core/subscription';
import type { DeliverySummary, PublicSubscription, SubscriptionConfig } from '../../core/types';
import { randomUUID } from 'node:crypto';
import { ApiError, conflict, notFound } from './errors';
import { temporalCall, temporalQuery, temporalUpdate } from './temporal-calls';
import { isSubscriptionId } from '../../core/ids';
import { newSubscriptionId } from './ids';
import type { RoutingTable } from './routing-table';
import {
  ADMIN_SCOPE,
  inScope,
  tenantForCreate,
  toPublic,
  type Scope,
  type CreatedSubscription,
  type CreateSubscriptionInput,
  type PatchSubscriptionInput,
  type SubscriptionDetail,
} from './subscription-types';

function memoOf(memo: Record<string, unknown> | undefined): PublicSubscription | undefined {
  const sub = memo?.subscription as PublicSubscription | undefined;
  return sub && typeof sub.id === 'string' && Array.isArray(sub.events) ? sub : undefined;
}

export type {
  CreatedSubscription,
  CreateSubscriptionInput,
  PatchSubscriptionInput,
  Scope,
  SubscriptionDetail,
};

export const LIST_QUERY = "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'Running'";
/** Closed runs that are neither a continue-as-new nor a DELETE: candidates for `broken`. */
export const BROKEN_QUERY =
  "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'Completed' AND ExecutionStatus != 'ContinuedAsNew'";

export const WORKFLOW_TASK_TIMEOUT_MS = 5_000;

export function runStatus(name: string): 'running' | 'deleted' | 'broken' {
  if (name === 'RUNNING') return 'running';
  return name === 'COMPLETED' ? 'deleted' : 'broken';
}

export const brokenConflict = (id: string): ApiError =>
  new ApiError(
    409,
    'subscription_broken',
    `subscription ${id} is broken (its workflow was closed outside Herald); restore it first: POST /v1/subscriptions/${id}/restore`,
  );

export interface SubscriptionServiceDeps {
  client: Client;
  config: HeraldConfig;
  routing: RoutingTable;
  callTimeoutMs: number;
}

export class SubscriptionService {
  constructor(private readonly deps: SubscriptionServiceDeps) {}

  private call<T>(fn: () => Promise<T>, what?: string): Promise<T> {
    return temporalCall(this.deps.client, this.deps.callTimeoutMs, fn, what);
  }

  private query<T>(handle: { workflowId: string }, fn: () => Promise<T>, what?: string): Promise<T> {
    return temporalQuery(this.deps.client, this.deps.callTimeoutMs, handle.workflowId, fn, what);
  }

  private update<T>(run: (updateId: string) => Promise<T>): Promise<T> {
    return temporalUpdate(this.deps.client, this.deps.callTimeoutMs, run);
  }

  /**
   * The subscription's workflow and what its latest run says: running, deleted (completed: only
   * DELETE completes it) or broken (closed any other way: terminated, failed, timed out). 404
   * for malformed and unknown ids, and for another tenant's subscription under a tenant token.
   */
  async locate(
    id: string,
    scope: Scope = ADMIN_SCOPE,
  ): Promise<{
    handle: WorkflowHandle;
    status: 'running' | 'deleted' | 'broken';
    memo?: PublicSubscription;
  }> {
    if (!isSubscriptionId(id)) throw notFound('subscription');
    const handle = this.deps.client.workflow.getHandle(subscriptionWorkflowId(id));
    const desc = await this.call(() => handle.describe());
    const memo = (await desc.memo)?.subscription as PublicSubscription | undefined;
    // The memo is set at start and the tenant never changes, so it is authoritative here.
    if (scope.tenant !== undefined && (!memo || !inScope(scope, memo.tenant))) throw notFound('subscription');
    const status = runStatus(desc.status.name);
    // The memo says deleted as soon as DELETE has answered, while the workflow may still be
    // finishing (cancelling its delivery): a deleted subscription is 404 from then on.
    return { handle, status: memo?.state === 'deleted' ? 'deleted' : status, memo };
  }

  /** The handle of a running subscription workflow; 404 for unknown or deleted, 409 for broken. */
  async running(id: string, scope: Scope = ADMIN_SCOPE): Promise<WorkflowHandle> {
    const { handle, status } = await this.locate(id, scope);
    if (status === 'deleted') throw notFound('subscription');
    if (status === 'broken') throw brokenConflict(id);
    return handle;
  }

  async create(input: CreateSubscriptionInput, scope: Scope = ADMIN_SCOPE): Promise<CreatedSubscription> {
    const tenant = tenantForCreate(scope, input.tenant);
    const id = newSubscriptionId();
    const now = new Date().toISOString();
    const token = input.token ?? generateToken();
    const signingSecret = input.signingSecret ?? generateSigningSecret();
    const config: SubscriptionConfig = {
      id,
      name: input.name,
      url: input.url,
      description: input.description ?? '',
      events: input.events,
      // Only when given, so a subscription without them is exactly what it was before them.
      ...(tenant === undefined ? {} : { tenant }),
      ...(input.channels?.length ? { channels: input.channels } : {}),
      includePii: input.includePii,
      includeDetails: input.includeDetails,
      token,
      secrets: [{ secret: signingSecret, createdAt: now }],
      batching: input.batching,
      retry: input.retry,
      createdAt: now,
      updatedAt: now,
    };
    const pub = toPublic(config);
    await this.call(() =>
      this.deps.client.workflow.start<typeof subscriptionWorkflow>('subscriptionWorkflow', {
        workflowId: subscriptionWorkflowId(id),
        taskQueue: this.deps.config.taskQueue,
        args: [{ config }],
        // Workflow tasks stay far under 2 s (README, bounded backlog); a worker killed in the
        // middle of one then delays the subscription, and any query, by 5 s rather than 10.
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT_MS,
        // The workflow upserts the same memo itself; setting it at start makes the new
        // subscription visible to other instances' listings without waiting for a worker.
        memo: { subscription: pub },
      }),
    );
    this.deps.routing.upsert(pub);
    return { ...pub, token, signingSecret };
  }

  /** Every live subscription from visibility, corrected by this process's recent writes. */
  async list(scope: Scope = ADMIN_SCOPE, filter: { tenant?: string } = {}): Promise<PublicSubscription[]> {
    // A tenant token asking for another tenant gets nothing, as if it had none.
    if (scope.tenant !== undefined && filter.tenant !== undefined && filter.tenant !== scope.tenant)
      return [];
    const tenant = scope.tenant ?? filter.tenant;
    const merged = this.deps.routing.withLocalWrites(await this.listFromVisibility());
    const items = [...merged.values()].filter((s) => tenant === undefined || s.tenant === tenant);
    return items.sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id),
    );
  }

  /**
   * The routing table's source; also used by list(). Running subscriptions, and broken ones
   * (state `broken`), so that publishing to them answers 503 instead of dropping their changes.
   */
  async listFromVisibility(): Promise<PublicSubscription[]> {
    return this.call(async () => {
      const out = new Map<string, PublicSubscription>();
      for await (const info of this.deps.client.workflow.list({ query: LIST_QUERY })) {
        const sub = memoOf(info.memo);
        if (sub) out.set(sub.id, sub);
      }
      const candidates = new Map<string, PublicSubscription>();
      for await (const info of this.deps.client.workflow.list({ query: BROKEN_QUERY })) {
        const sub = memoOf(info.memo);
        if (sub && !out.has(sub.id)) candidates.set(sub.id, sub);
      }
      // An old closed run may belong to a subscription restored or deleted since: ask for its latest run.
      for (const sub of candidates.values()) {
        const desc = await this.deps.client.workflow.getHandle(subscriptionWorkflowId(sub.id)).describe();
        const status = runStatus(desc.status.name);
        if (status === 'broken') out.set(sub.id, { ...sub, state: 'broken' });
      }
      return [...out.values()];
    });
  }

  async get(id: string, scope: Scope = ADMIN_SCOPE): Promise<SubscriptionDetail> {
    const { handle, status: run, memo } = await this.locate(id, scope);
    if (run === 'deleted') throw notFound('subscription');
    if (run === 'broken') return this.brokenDetail(handle, memo);
    const [status, summaries] = await Promise.all([
      this.query(handle, () => handle.query(statusQuery)),
      this.query(handle, () => handle.query(deliveriesQuery)),
    ]);
    if (status.state === 'deleted') throw notFound('subscription');
    let inFlight: SubscriptionDetail['inFlight'] = null;
    if (status.inFlight?.runner === 'local') {
      // Its first attempt is running in the subscription itself: nothing made yet.
      const { attempts: _none, ...f } = status.inFlight;
      inFlight = { ...f, attempt: 0 };
    } else if (status.inFlight) {
      const f = status.inFlight;
      // The delivery may end between the two queries; its summary is still worth showing.
      const child = this.deps.client.workflow.getHandle(deliveryWorkflowId(id, f.sequence));
      const state = await this.query(child, () => child.query(deliveryStateQuery)).catch(() => undefined);
      inFlight = {
        ...f,
        attempt: state?.attempts.length ?? 0,
        nextAttemptAt: state?.nextAttemptAt,
        attemptsLeft: state?.attemptsLeft,
        lastAttempt: state?.attempts.at(-1),
      };
    }
    return {
      ...status.subscription,
      state: status.state,
      pendingChanges: status.pendingChanges,
      queuedBatches: status.queuedBatches ?? 0,
      queuedChanges: status.queuedChanges ?? 0,
      inFlight,
      counters: status.counters,
      lastDeliveredAt: lastDeliveredAt(summaries),
    };
  }

  /** A closed workflow still answers queries by replay; its memo is the fallback. */
  private async brokenDetail(handle: WorkflowHandle, memo?: PublicSubscription): Promise<SubscriptionDetail> {
    const status = await this.query(handle, () => handle.query(statusQuery)).catch(() => undefined);
    const pub = status?.subscription ?? memo;
    if (!pub) throw notFound('subscription');
    return {
      ...pub,
      state: 'broken',
      pendingChanges: status?.pendingChanges ?? 0,
      queuedBatches: status?.queuedBatches ?? 0,
      queuedChanges: status?.queuedChanges ?? 0,
      inFlight: null,
      counters: status?.counters ?? zeroCounters(),
    };
  }

  /**
   * Brings a broken subscription back: resets its workflow to the last completed workflow task,
   * which replays everything before it and re-applies every changes signal after it, so its
   * pending changes come back with it (the README's runbook, as one call).
   */
  async restore(id: string): Promise<SubscriptionDetail> {
    const { handle, status } = await this.locate(id);
    if (status === 'deleted') throw notFound('subscription');
    if (status === 'running') throw conflict(`subscription ${id} is not broken`);
    const { client, config } = this.deps;
    await this.call(async () => {
      const history = await handle.fetchHistory();
      const last = [...(history.events ?? [])].reverse().find((e) => e.workflowTaskCompletedEventAttributes);
      if (!last?.eventId) throw conflict(`subscription ${id} has no completed workflow task to reset to`);
      const desc = await handle.describe();
      await client.workflowService.resetWorkflowExecution({
        namespace: config.temporal.namespace,
        workflowExecution: { workflowId: subscriptionWorkflowId(id), runId: desc.runId },
        reason: 'herald restore',
        workflowTaskFinishEventId: last.eventId,
        requestId: randomUUID(),
      });
    });
    this.deps.routing.forget(id);
    await this.deps.routing.refresh().catch(() => undefined);
    return this.get(id);
  }

  async patch(
    id: string,
    patch: PatchSubscriptionInput,
    scope: Scope = ADMIN_SCOPE,
  ): Promise<PublicSubscription> {
    const handle = await this.running(id, scope);
    const now = new Date().toISOString();
    return this.applied(
      await this.update((updateId) =>
        handle.executeUpdate(configureUpdate, { args: [{ ...patch, now }], updateId }),
      ),
    );
  }

  async pause(id: string, scope: Scope = ADMIN_SCOPE): Promise<PublicSubscription> {
    const handle = await this.running(id, scope);
    return this.applied(await this.update((updateId) => handle.executeUpdate(pauseUpdate, { updateId })));
  }

  async resume(id: string, scope: Scope = ADMIN_SCOPE): Promise<PublicSubscription> {
    const handle = await this.running(id, scope);
    return this.applied(await this.update((updateId) => handle.executeUpdate(resumeUpdate, { updateId })));
  }

  async rotateSecret(
    id: string,
    scope: Scope = ADMIN_SCOPE,
  ): Promise<PublicSubscription & { signingSecret: string }> {
    const handle = await this.running(id, scope);
    const secret = generateSigningSecret();
    const now = new Date().toISOString();
    const pub = await this.update((updateId) =>
      handle.executeUpdate(rotateSecretUpdate, { args: [{ secret, now }], updateId }),
    );
    return { ...this.applied(pub), signingSecret: secret };
  }

  async delete(id: string, scope: Scope = ADMIN_SCOPE): Promise<void> {
    const handle = await this.running(id, scope);
    await this.update((updateId) => handle.executeUpdate(deleteUpdate, { updateId }));
    this.deps.routing.remove(id);
  }

  private applied(pub: PublicSubscription): PublicSubscription {
    this.deps.routing.upsert(pub);
    return pub;
  }
}

/** The newest finishedAt of a delivered delivery among the summaries the workflow keeps. */
function lastDeliveredAt(summaries: DeliverySummary[]): string | undefined {
  let last: string | undefined;
  for (const s of summaries) {
    if (s.status === 'delivered' && s.finishedAt && (!last || s.finishedAt > last)) last = s.finishedAt;
  }
  return last;
}
