// Whether a subscription's partner is failing, and when Herald stops sending to it: disabled at
// once on 410 Gone, or once every delivery has failed for `delivery.disableAfterMs`
// (docs/contract.md §7). Also holds the operational events the subscription has yet to emit.
// Pure and deterministic: the workflow feeds it the workflow clock.
import { DELIVERY_DEFAULTS } from './defaults';
import { operationalChange, type OperationalChange, type OperationalEvent } from './operational-events';
import type { DisabledReason, DisabledView, SubscriptionConfig } from './types';
import type { AttemptRecord, DeliveryResult } from './delivery-types';

export interface DisabledInfo {
  reason: DisabledReason;
  at: string;
  lastStatusCode?: number;
}

/** What a run carries of its health into the next one (plain JSON). */
export interface CarriedHealth {
  failingSince?: number;
  lastStatusCode?: number;
  disabled?: DisabledInfo;
  outbox?: OperationalChange[];
}

type Config = Pick<SubscriptionConfig, 'id' | 'name' | 'tenant' | 'delivery'>;

export const disableAfterMs = (config: Config): number =>
  config.delivery?.disableAfterMs ?? DELIVERY_DEFAULTS.disableAfterMs;

/** The partner said the endpoint is gone for good: the delivery's last attempt was answered 410. */
export const isGone = (result: Pick<DeliveryResult, 'status' | 'attempts'>): boolean =>
  result.status === 'failed' && result.attempts.at(-1)?.statusCode === 410;

export class SubscriptionHealth {
  /** When the first attempt failed since the last delivery that succeeded (ms, workflow clock). */
  failingSince: number | undefined;
  lastStatusCode: number | undefined;
  disabled: DisabledInfo | undefined;
  /** Operational events to emit, oldest first. */
  outbox: OperationalChange[];

  constructor(carried?: CarriedHealth) {
    this.failingSince = carried?.failingSince;
    this.lastStatusCode = carried?.lastStatusCode;
    this.disabled = carried?.disabled;
    this.outbox = carried?.outbox ?? [];
  }

  /** An attempt failed while its delivery goes on (the subscription's own first attempt). */
  attemptFailed(attempt: AttemptRecord): void {
    this.failingSince ??= Date.parse(attempt.at);
    this.lastStatusCode = attempt.statusCode;
  }

  /**
   * A delivery ended. Returns true when its changes go back into pending: it failed while the
   * subscription is (or, by this result, becomes) disabled, so they are held, not dead-lettered.
   */
  deliveryEnded(result: DeliveryResult, config: Config, nowMs: number, nowIso: string): boolean {
    const last = result.attempts.at(-1);
    if (last) this.lastStatusCode = last.statusCode;
    if (result.status === 'delivered') {
      this.failingSince = undefined;
      return false;
    }
    const first = result.attempts.find((a) => a.attempt > 0);
    this.failingSince ??= first ? Date.parse(first.at) : nowMs;
    if (!this.disabled && isGone(result)) this.disable('gone', config, nowIso);
    else if (!this.disabled && this.msUntilDisable(config, nowMs) === 0)
      this.disable('failing', config, nowIso);
    if (this.disabled) return true;
    this.notify('delivery.failed', config, {
      reason: 'attempts_exhausted',
      at: nowIso,
      deliveryId: result.deliveryId,
      changeCount: result.changes.length,
      ...(this.lastStatusCode === undefined ? {} : { lastStatusCode: this.lastStatusCode }),
    });
    return false;
  }

  /** Milliseconds until failing this long disables the subscription; undefined: nothing to wait for. */
  msUntilDisable(config: Config, nowMs: number): number | undefined {
    const after = disableAfterMs(config);
    if (this.disabled || this.failingSince === undefined || after <= 0) return undefined;
    return Math.max(0, this.failingSince + after - nowMs);
  }

  disable(reason: DisabledReason, config: Config, at: string): void {
    if (this.disabled) return;
    const code = this.lastStatusCode;
    this.disabled = { reason, at, ...(code === undefined ? {} : { lastStatusCode: code }) };
    this.notify('subscription.disabled', config, {
      reason,
      at,
      ...(code === undefined ? {} : { lastStatusCode: code }),
    });
  }

  /** Resumed: sending again, and the failure clock starts afresh. */
  enable(config: Config, at: string): void {
    this.failingSince = undefined;
    if (!this.disabled) return;
    this.disabled = undefined;
    this.notify('subscription.enabled', config, { reason: 'resumed', at });
  }

  /** Its workflow was found closed outside Herald and brought back. */
  restored(config: Config, at: string, closedAt?: string): void {
    this.notify('subscription.broken', config, { reason: 'closed', at: closedAt ?? at });
    this.notify('subscription.restored', config, { reason: 'restored', at });
  }

  view(): DisabledView {
    const d = this.disabled;
    if (!d) return {};
    return {
      disabledReason: d.reason,
      disabledAt: d.at,
      ...(d.lastStatusCode === undefined ? {} : { lastStatusCode: d.lastStatusCode }),
    };
  }

  carry(): CarriedHealth | undefined {
    const c: CarriedHealth = {
      ...(this.failingSince === undefined ? {} : { failingSince: this.failingSince }),
      ...(this.lastStatusCode === undefined ? {} : { lastStatusCode: this.lastStatusCode }),
      ...(this.disabled ? { disabled: this.disabled } : {}),
      ...(this.outbox.length ? { outbox: this.outbox } : {}),
    };
    return Object.keys(c).length ? c : undefined;
  }

  private notify(
    event: OperationalEvent,
    config: Config,
    detail: Parameters<typeof operationalChange>[2],
  ): void {
    this.outbox.push(operationalChange(event, config, detail));
  }
}
