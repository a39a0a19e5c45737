// Subscription configuration through Temporal: the subscription workflow is the only store.
// Writes are workflow start and updates, reads are queries (one subscription) or visibility
// with the memo (the list). Every write is applied to this process's routing table at once.
import { generateSigningSecret, generateToken } from '../webhook/signing';
import type { DeliveryGateway } from '../temporal/delivery-gateway';
import type { SubscriptionGateway } from '../temporal/subscription-gateway';
import type { RunStatus } from '../temporal/subscription-visibility';
import { isSubscriptionId } from '../../core/ids';
import { publicView } from '../../core/subscription-config';
import type { PublicSubscription } from '../../core/types';
import { brokenConflict, conflict, notFound } from './errors';
import { newSubscriptionId } from './ids';
import { LastKnown } from './last-known';
import { Healer } from './healing';
import { brokenDetail, liveDetail } from './subscription-detail';
import { UnavailableError } from '../temporal/gateway-errors';
import type { RoutingTable } from './routing-table';
import {
  ADMIN_SCOPE,
  inScope,
  tenantForCreate,
  newConfig,
  type Scope,
  type CreatedSubscription,
  type CreateSubscriptionInput,
  type LiveStatus,
  type PatchSubscriptionInput,
  type SubscriptionDetail,
} from './subscription-types';

export type {
  CreatedSubscription,
  CreateSubscriptionInput,
  PatchSubscriptionInput,
  Scope,
  SubscriptionDetail,
};

export interface SubscriptionServiceDeps {
  gateway: SubscriptionGateway;
  deliveries: DeliveryGateway;
  /** Told of every write at once; it never calls back into this service. */
  routing: RoutingTable;
}

/** A GET may answer a live status up to this old, marked by its `statusAsOf`, rather than a 503. */
const LAST_KNOWN_MAX_AGE_MS = 5 * 60_000;
const LAST_KNOWN_ENTRIES = 10_000;

export class SubscriptionService {
  private readonly lastKnown = new LastKnown<LiveStatus>({
    maxEntries: LAST_KNOWN_ENTRIES,
    maxAgeMs: LAST_KNOWN_MAX_AGE_MS,
  });

  private readonly healer: Healer;

  constructor(private readonly deps: SubscriptionServiceDeps) {
    this.healer = new Healer(deps);
  }

  /** Restores a broken subscription (healing.ts): true when its workflow runs (again). */
  heal(id: string): Promise<boolean> {
    return this.healer.heal(id);
  }

  /**
   * The subscription's workflow and what its latest run says: running, deleted (completed: only
   * DELETE completes it) or broken (closed any other way: terminated, failed, timed out). 404
   * for malformed and unknown ids, and for another tenant's subscription under a tenant token.
   */
  async locate(
    id: string,
    scope: Scope = ADMIN_SCOPE,
  ): Promise<{ status: RunStatus; memo?: PublicSubscription }> {
    if (!isSubscriptionId(id)) throw notFound('subscription');
    const { status, memo } = await this.deps.gateway.describe(id);
    // The memo is set at start and the tenant never changes, so it is authoritative here.
    if (scope.tenant !== undefined && (!memo || !inScope(scope, memo.tenant))) throw notFound('subscription');
    // The memo says deleted as soon as DELETE has answered, while the workflow may still be
    // finishing (cancelling its delivery): a deleted subscription is 404 from then on.
    return { status: memo?.state === 'deleted' ? 'deleted' : status, memo };
  }

  /**
   * Throws unless the subscription's workflow runs: 404 for unknown or deleted; a broken one is
   * healed first, and only one that cannot be restored is a 409.
   */
  async assertRunning(id: string, scope: Scope = ADMIN_SCOPE): Promise<void> {
    const { status } = await this.locate(id, scope);
    if (status === 'deleted') throw notFound('subscription');
    if (status === 'broken' && !(await this.heal(id))) throw brokenConflict(id);
  }

  async create(input: CreateSubscriptionInput, scope: Scope = ADMIN_SCOPE): Promise<CreatedSubscription> {
    const tenant = tenantForCreate(scope, input.tenant);
    const id = newSubscriptionId();
    const now = new Date().toISOString();
    const token = input.token ?? generateToken();
    const signingSecret = input.signingSecret ?? generateSigningSecret();
    const config = newConfig(input, { id, tenant, token, signingSecret, now });
    const pub = publicView(config, 'active');
    await this.deps.gateway.start(config, pub);
    this.deps.routing.upsert(pub);
    return { ...pub, token, signingSecret };
  }

  /** Every live subscription from visibility, corrected by this process's recent writes. */
  async list(scope: Scope = ADMIN_SCOPE, filter: { tenant?: string } = {}): Promise<PublicSubscription[]> {
    // A tenant token asking for another tenant gets nothing, as if it had none.
    if (scope.tenant !== undefined && filter.tenant !== undefined && filter.tenant !== scope.tenant)
      return [];
    const tenant = scope.tenant ?? filter.tenant;
    const merged = this.deps.routing.withLocalWrites(await this.deps.gateway.list());
    const items = [...merged.values()].filter((s) => tenant === undefined || s.tenant === tenant);
    return items.sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id),
    );
  }

  async get(id: string, scope: Scope = ADMIN_SCOPE): Promise<SubscriptionDetail> {
    const { status: run, memo } = await this.locate(id, scope);
    if (run === 'deleted') throw notFound('subscription');
    if (run === 'broken' && !(await this.heal(id).catch(() => false)))
      return brokenDetail(this.deps, id, memo);
    try {
      const { subscription, live } = await liveDetail(this.deps, id);
      this.lastKnown.set(id, live);
      return { ...subscription, ...live };
    } catch (err) {
      // The run is there (describe said so) but did not answer in time: its configuration from
      // the memo (written with every change of it), its live part as this process last read it.
      const known = err instanceof UnavailableError ? this.lastKnown.get(id) : undefined;
      if (!known || !memo) throw err;
      return { ...memo, ...known };
    }
  }

  /**
   * Brings a broken subscription back: resets its workflow to the last completed workflow task,
   * so its pending changes come back with it (the README's runbook, as one call).
   */
  async restore(id: string): Promise<SubscriptionDetail> {
    const { status } = await this.locate(id);
    if (status === 'deleted') throw notFound('subscription');
    if (status === 'running') throw conflict(`subscription ${id} is not broken`);
    if (!(await this.heal(id)))
      throw conflict(`subscription ${id} has no completed workflow task to reset to`);
    this.deps.routing.forget(id);
    await this.deps.routing.refresh().catch(() => undefined);
    return this.get(id);
  }

  async patch(
    id: string,
    patch: PatchSubscriptionInput,
    scope: Scope = ADMIN_SCOPE,
  ): Promise<PublicSubscription> {
    await this.assertRunning(id, scope);
    const now = new Date().toISOString();
    return this.applied(await this.deps.gateway.configure(id, { ...patch, now }));
  }

  async pause(id: string, scope: Scope = ADMIN_SCOPE): Promise<PublicSubscription> {
    await this.assertRunning(id, scope);
    return this.applied(await this.deps.gateway.pause(id));
  }

  async resume(id: string, scope: Scope = ADMIN_SCOPE): Promise<PublicSubscription> {
    await this.assertRunning(id, scope);
    return this.applied(await this.deps.gateway.resume(id));
  }

  async rotateSecret(
    id: string,
    scope: Scope = ADMIN_SCOPE,
  ): Promise<PublicSubscription & { signingSecret: string }> {
    await this.assertRunning(id, scope);
    const secret = generateSigningSecret();
    const pub = await this.deps.gateway.rotateSecret(id, secret, new Date().toISOString());
    return { ...this.applied(pub), signingSecret: secret };
  }

  /**
   * A broken subscription is restored to be deleted (its deliveries still retrying are
   * cancelled then); one that cannot be restored has its closed run removed from Temporal.
   */
  async delete(id: string, scope: Scope = ADMIN_SCOPE): Promise<void> {
    const { gateway } = this.deps;
    const { status } = await this.locate(id, scope);
    if (status === 'deleted') throw notFound('subscription');
    if (status === 'broken' && !(await gateway.restore(id))) await gateway.purge(id);
    else await gateway.delete(id);
    this.deps.routing.remove(id);
    this.lastKnown.forget(id);
  }

  private applied(pub: PublicSubscription): PublicSubscription {
    this.deps.routing.upsert(pub);
    return pub;
  }
}
