// Data shapes shared by the workflows, the activities and the API. Types only: this module
// is imported by workflow code and must stay free of runtime dependencies.

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
export type DeliveryStatus = 'delivered' | 'failed' | 'in_flight';
/** What a delivery workflow reports while it waits: sealed and not yet released. */
export type DeliveryPhase = DeliveryStatus | 'queued';

export interface AttemptRecord {
  attempt: number;
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** The wait before the next attempt when the partner's Retry-After moved it past the schedule's. */
  retryAfterMs?: number;
}

/** Input of one delivery: the child workflow and its activity. */
export interface DeliveryInput {
  subscriptionId: string;
  deliveryId: string;
  sequence: number;
  url: string;
  token: string;
  secrets: SigningSecret[];
  changes: Change[];
  retry: RetryConfig;
  /**
   * Attempts already made before this workflow started: the subscription's own first attempt
   * (fast path). The activity's attempt n is then attempt n + attemptOffset.
   */
  attemptOffset?: number;
  priorAttempts?: AttemptRecord[];
  /** Wait this long before the first attempt made here (the schedule's gap after the prior one). */
  firstDelayMs?: number;
  /** Sealed out of a large backlog: waits for the subscription's release signal before sending. */
  queued?: boolean;
  /** W3C contexts of the requests that published this batch's changes (tracing on; core/trace-links.ts). */
  traceparents?: string[];
}

export interface DeliveryResult {
  deliveryId: string;
  sequence: number;
  status: Exclude<DeliveryStatus, 'in_flight'>;
  changes: Change[];
  attempts: AttemptRecord[];
}

/** A subscription as shown by the API: never a token or a secret. */
export type PublicSubscription = Omit<SubscriptionConfig, 'token' | 'secrets'> & {
  state: PublicState;
} & DisabledView;

export interface InFlightDelivery {
  deliveryId: string;
  sequence: number;
  changeCount: number;
  startedAt: string;
  /**
   * Where the delivery runs: 'local' while its first attempt is a local activity of the
   * subscription, 'child' once a delivery workflow has it. Absent in runs recorded before
   * the fast path: always a child then.
   */
  runner?: 'local' | 'child';
  /** Attempts made by the subscription itself (the failed first attempt of a fast-path batch). */
  attempts?: AttemptRecord[];
}

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

export interface DeliverySummary {
  deliveryId: string;
  sequence: number;
  status: DeliveryStatus;
  changeCount: number;
  startedAt: string;
  finishedAt?: string;
  attempts: AttemptRecord[];
}

/** What a delivery workflow answers to its state query. */
export interface DeliveryState {
  deliveryId: string;
  sequence: number;
  status: DeliveryPhase;
  changes: Change[];
  attempts: AttemptRecord[];
  /** When the next attempt is due, while the delivery waits between attempts. */
  nextAttemptAt?: string;
  attemptsLeft?: number | null;
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
