// The worker's activities, built from explicit dependencies so tests and the worker wire them
// the same way. Workflows import only the `Activities` type from here.
import type { AttemptRecord } from '../core/delivery-types';
import { createHttpClient, type HttpClient } from '../src/webhook/http-client';
import { createDeliver, type DeliveryMetrics } from './deliver';
import { createOperations, type OperationsDeps } from './operations';
import { createInboxActivities, type InboxTargetsDeps } from './inbox';
import { createErasureActivities, type ErasureDeps } from './erasure';

export interface ActivityDeps {
  /** HERALD_HEADER_PREFIX. */
  headerPrefix: string;
  /** HERALD_ALLOW_INSECURE_URLS. */
  allowInsecureUrls: boolean;
  /** Records an attempt in its delivery workflow (the worker signals `attemptSignal`). */
  reportAttempt?: (deliveryWorkflowId: string, record: AttemptRecord) => Promise<void>;
  metrics?: DeliveryMetrics;
  now?: () => Date;
  /**
   * An HTTP client owned by the caller (who then closes it). Without it one is created per
   * createActivities call and closed by closeActivities.
   */
  httpClient?: HttpClient;
  /** Operational events and taking a delivery back (absent: those activities fail, retried). */
  operations?: OperationsDeps;
  /** What became of a subscription an inbox hand-off did not find (absent: that activity fails, retried). */
  inboxTargets?: InboxTargetsDeps;
  /** Right to erasure (absent: those activities fail, retried). */
  erasure?: ErasureDeps;
}

// Kept outside the returned object: everything on it is registered as an activity.
const ownedClients = new WeakMap<object, HttpClient>();

export function createActivities(deps: ActivityDeps) {
  const http = deps.httpClient ?? createHttpClient({ allowInsecure: deps.allowInsecureUrls });
  const activities = {
    ...createDeliver({
      headerPrefix: deps.headerPrefix,
      http,
      reportAttempt: deps.reportAttempt,
      metrics: deps.metrics,
      now: deps.now ?? (() => new Date()),
    }),
    ...createOperations(deps.operations),
    ...createInboxActivities(deps.inboxTargets),
    ...createErasureActivities(deps.erasure),
  };
  if (!deps.httpClient) ownedClients.set(activities, http);
  return activities;
}

export type Activities = ReturnType<typeof createActivities>;

/** Closes the HTTP client createActivities made (its keep-alive sockets); call after the worker stops. */
export async function closeActivities(activities: Activities): Promise<void> {
  const http = ownedClients.get(activities);
  ownedClients.delete(activities);
  await http?.close();
}

export type { AttemptFailureDetails } from './attempt-failure';
export type { FirstAttemptOutcome } from './deliver';
export type { OperationsDeps, WithdrawnDelivery } from './operations';
export type { InboxTargetsDeps, InboxTargetStatus } from './inbox';
export type { ErasureDeps, RunRef as ErasedRun, SweepCursor, SweptPage } from './erasure';
