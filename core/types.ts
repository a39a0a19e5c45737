// Data shapes shared by the workflows, the activities and the API. Types only: this module
// is imported by workflow code and must stay free of runtime dependencies. The shapes of one
// delivery are in delivery-types.ts.
import type { InFlightDelivery } from './delivery-types';

export type Action = 'import' | 'update' | 'destroy';

/** One change as the publisher sends it and the partner receives it (docs/contract.md §2, §3). */
export interface Change {
  action: Action;
  object: string;
  id: number | string;
  url?: string;
  event?: string;
  data?: Record<string, unknown>;
  /**
   * Whose data this is (issue 17). Routing metadata: the API strips it before a change enters
   * a subscription's workflow, except for `tenant: "*"` subscriptions, whose receivers need it
   * to tell the tenants apart (and whose merge key includes it).
   */
  tenant?: string;
}

export interface BatchingConfig {
  debounceMs: number;
  maxWaitMs: number;
  maxBatchSize: number;
}

export interface RetryConfig {
  initialIntervalMs: number;
  backoffCoefficient: number;
  /** 0 = retry forever. */
  maximumAttempts: number;
  timeoutMs: number;
  /**
   * How much a partner's Retry-After (429/503) may add to the schedule's interval; 0 ignores
   * Retry-After. Absent in subscriptions created before it existed: the default applies.
   */
  maxRetryAfterMs?: number;
}

/** How a subscription treats a partner that keeps failing (docs/contract.md §2, §7). */
export interface DeliveryConfig {
  /** Disabled after every delivery has failed for this long; 0 = never. */
  disableAfterMs: number;
  /** At most this many POSTs a minute; absent = unlimited. */
  maxPerMinute?: number;
}

export interface SigningSecret {
  secret: string;
  createdAt: string;
  /** Set on the previous secret at rotation: it keeps signing until then. */
  expiresAt?: string;
}

/** The full configuration of a subscription, secrets included (encrypted in Temporal). */
export interface SubscriptionConfig {
  id: string;
  name: string;
  url: string;
  description: string;
  events: string[];
  includePii: boolean;
  includeDetails: boolean;
  /** Set at creation, never changed: "T" receives tenant T's changes, "*" every change, none only changes without a tenant. */
  tenant?: string;
  /** Receives only changes sharing at least one of these; absent or empty = every change. */
  channels?: string[];
  token: string;
  /** Newest first. */
  secrets: SigningSecret[];
  batching: BatchingConfig;
  retry: RetryConfig;
  /** Absent in subscriptions created before it existed: the defaults apply. */
  delivery?: DeliveryConfig;
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionState = 'active' | 'paused' | 'disabled' | 'deleted';
/** Why Herald disabled a subscription: its partner answered 410 Gone, or failed for disableAfterMs. */
export type DisabledReason = 'gone' | 'failing';
/** Shown with a disabled subscription (docs/contract.md §7). */
export interface DisabledView {
  disabledReason?: DisabledReason;
  disabledAt?: string;
  /** The HTTP status of the last attempt before it was disabled (absent: no answer). */
  lastStatusCode?: number;
}
/** As the API shows it: `broken` is a workflow closed by anything but DELETE (see README). */
export type PublicState = SubscriptionState | 'broken';

/** A subscription as shown by the API: never a token or a secret. */
export type PublicSubscription = Omit<SubscriptionConfig, 'token' | 'secrets'> & {
  state: PublicState;
} & DisabledView;

export interface SubscriptionCounters {
  changesReceived: number;
  signalsReceived: number;
  deliveriesStarted: number;
  deliveriesDelivered: number;
  deliveriesFailed: number;
  changesDelivered: number;
  continuedAsNew: number;
}

export interface SubscriptionStatus {
  subscription: PublicSubscription;
  state: SubscriptionState;
  pendingChanges: number;
  /** Bytes of JSON the pending changes weigh (the open window's bound is in the README). */
  pendingBytes?: number;
  /** Batches sealed out of a large backlog, each in its own delivery workflow, waiting in order. */
  queuedBatches?: number;
  queuedChanges?: number;
  inFlight: InFlightDelivery | null;
  counters: SubscriptionCounters;
  /** delivery.maxPerMinute: when the next batch may leave, while one waits for its turn. */
  nextPostAt?: string;
}

/** Fields a PATCH may change (docs/contract.md §2: any of the creation fields). */
export type SubscriptionPatch = Partial<
  Pick<
    SubscriptionConfig,
    'name' | 'url' | 'description' | 'events' | 'includePii' | 'includeDetails' | 'token' | 'channels'
  >
> & {
  signingSecret?: string;
  batching?: Partial<BatchingConfig>;
  retry?: Partial<RetryConfig>;
  /** maxPerMinute null: unlimited again. */
  delivery?: { disableAfterMs?: number; maxPerMinute?: number | null };
  /** Set by the API, so that the workflow stays deterministic. */
  now: string;
};
