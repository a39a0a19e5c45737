// Data shapes of one delivery, shared by the workflows, the activities and the API: its input,
// its attempts, its result, and what the subscription and the delivery workflow say of it. Types
// only, like types.ts: this module is imported by workflow code.
import type { Change, RetryConfig, SigningSecret } from './types';

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
