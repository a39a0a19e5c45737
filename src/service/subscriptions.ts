// Subscription configuration through Temporal: the subscription workflow is the only store.
// Writes are workflow start and updates, reads are queries (one subscription) or visibility
// with the memo (the list). Every write is applied to this process's routing table at once.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { HeraldConfig } from '../config';
import { generateSigningSecret, generateToken } from '../delivery/signing';
import {
  configureUpdate,
  deleteUpdate,
  deliveryStateQuery,
  deliveryWorkflowId,
  pauseUpdate,
  resumeUpdate,
  rotateSecretUpdate,
  statusQuery,
  subscriptionWorkflowId,
} from '../../workflows/messages';
import type { subscriptionWorkflow } from '../../workflows/subscription';
import type { PublicSubscription, SubscriptionConfig } from '../../workflows/types';
import { notFound } from './errors';
import { temporalCall, temporalUpdate } from './temporal-calls';
import { isSubscriptionId, newSubscriptionId } from './ids';
import type { RoutingTable } from './routing-table';
import {
  toPublic,
  type CreatedSubscription,
  type CreateSubscriptionInput,
  type PatchSubscriptionInput,
  type SubscriptionDetail,
} from './subscription-types';

export type { CreatedSubscription, CreateSubscriptionInput, PatchSubscriptionInput, SubscriptionDetail };

export const LIST_QUERY = "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'Running'";

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

  private update<T>(run: (updateId: string) => Promise<T>): Promise<T> {
    return temporalUpdate(this.deps.client, this.deps.callTimeoutMs, run);
  }

  /** The handle of a running subscription workflow; 404 for malformed, unknown or ended ones. */
  async running(id: string): Promise<WorkflowHandle> {
    if (!isSubscriptionId(id)) throw notFound('subscription');
    const handle = this.deps.client.workflow.getHandle(subscriptionWorkflowId(id));
    // Queries also answer for closed workflows (by replay), so "deleted" is decided here. The
    // memo says deleted as soon as DELETE has answered, while the workflow may still be
    // finishing (cancelling its delivery): a deleted subscription is 404 from then on.
    const desc = await this.call(() => handle.describe());
    if (desc.status.name !== 'RUNNING') throw notFound('subscription');
    const memo = (await desc.memo)?.subscription as PublicSubscription | undefined;
    if (memo?.state === 'deleted') throw notFound('subscription');
    return handle;
  }

  async create(input: CreateSubscriptionInput): Promise<CreatedSubscription> {
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
        // The workflow upserts the same memo itself; setting it at start makes the new
        // subscription visible to other instances' listings without waiting for a worker.
        memo: { subscription: pub },
      }),
    );
    this.deps.routing.upsert(pub);
    return { ...pub, token, signingSecret };
  }

  /** Every live subscription from visibility, corrected by this process's recent writes. */
  async list(): Promise<PublicSubscription[]> {
    const merged = this.deps.routing.withLocalWrites(await this.listFromVisibility());
    return [...merged.values()].sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id),
    );
  }

  /** The routing table's source; also used by list(). */
  async listFromVisibility(): Promise<PublicSubscription[]> {
    return this.call(async () => {
      const out: PublicSubscription[] = [];
      for await (const info of this.deps.client.workflow.list({ query: LIST_QUERY })) {
        const sub = info.memo?.subscription as PublicSubscription | undefined;
        if (sub && typeof sub.id === 'string' && Array.isArray(sub.events)) out.push(sub);
      }
      return out;
    });
  }

  async get(id: string): Promise<SubscriptionDetail> {
    const handle = await this.running(id);
    const status = await this.call(() => handle.query(statusQuery));
    if (status.state === 'deleted') throw notFound('subscription');
    let inFlight: SubscriptionDetail['inFlight'] = null;
    if (status.inFlight) {
      const f = status.inFlight;
      // The delivery may end between the two queries; its summary is still worth showing.
      const state = await this.call(() =>
        this.deps.client.workflow.getHandle(deliveryWorkflowId(id, f.sequence)).query(deliveryStateQuery),
      ).catch(() => undefined);
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
      inFlight,
      counters: status.counters,
    };
  }

  /** The current public configuration (for PATCH's cross-field checks). */
  async current(id: string): Promise<PublicSubscription> {
    const handle = await this.running(id);
    const status = await this.call(() => handle.query(statusQuery));
    if (status.state === 'deleted') throw notFound('subscription');
    return status.subscription;
  }

  async patch(id: string, patch: PatchSubscriptionInput): Promise<PublicSubscription> {
    const handle = await this.running(id);
    const now = new Date().toISOString();
    return this.applied(
      await this.update((updateId) =>
        handle.executeUpdate(configureUpdate, { args: [{ ...patch, now }], updateId }),
      ),
    );
  }

  async pause(id: string): Promise<PublicSubscription> {
    const handle = await this.running(id);
    return this.applied(await this.update((updateId) => handle.executeUpdate(pauseUpdate, { updateId })));
  }

  async resume(id: string): Promise<PublicSubscription> {
    const handle = await this.running(id);
    return this.applied(await this.update((updateId) => handle.executeUpdate(resumeUpdate, { updateId })));
  }

  async rotateSecret(id: string): Promise<PublicSubscription & { signingSecret: string }> {
    const handle = await this.running(id);
    const secret = generateSigningSecret();
    const now = new Date().toISOString();
    const pub = await this.update((updateId) =>
      handle.executeUpdate(rotateSecretUpdate, { args: [{ secret, now }], updateId }),
    );
    return { ...this.applied(pub), signingSecret: secret };
  }

  async delete(id: string): Promise<void> {
    const handle = await this.running(id);
    await this.update((updateId) => handle.executeUpdate(deleteUpdate, { updateId }));
    this.deps.routing.remove(id);
  }

  private applied(pub: PublicSubscription): PublicSubscription {
    this.deps.routing.upsert(pub);
    return pub;
  }
}
