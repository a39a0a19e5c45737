// The ingest inbox's one activity: what became of a subscription whose workflow a hand-off did
// not find. The worker hands in how to find out (src/inbox-targets.ts: Temporal's view of the
// run, and healing a broken one the way a publisher's request would).
import { ApplicationFailure } from '@temporalio/common';

/** running: hand off again; deleted: drop its changes; broken: keep them and try later. */
export type InboxTargetStatus = 'running' | 'deleted' | 'broken';

export interface InboxTargetsDeps {
  /** The subscription's status after healing it if it was broken. */
  status(subscriptionId: string): Promise<InboxTargetStatus>;
}

export function createInboxActivities(deps: InboxTargetsDeps | undefined) {
  return {
    async inboxTargetStatus(subscriptionId: string): Promise<InboxTargetStatus> {
      // Retried: a worker built without it (a test's bare worker) leaves the answer to one that has it.
      if (!deps)
        throw ApplicationFailure.retryable('this worker cannot look at subscriptions', 'InboxNotWired');
      return deps.status(subscriptionId);
    },
  };
}
