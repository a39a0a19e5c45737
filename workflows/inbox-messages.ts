// The ingest inbox's messages (issue 27), each defined once for the API, the inbox workflow and
// the subscription workflow.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HandoffInput, IngestSignalInput } from '../core/inbox';

/** The API's one durable write per shard per round: the round's changes and who gets which. */
export const ingestSignal = defineSignal<[IngestSignalInput]>('ingest');
/** From an inbox workflow to a subscription: its changes, with the rounds they came in. */
export const handoffSignal = defineSignal<[HandoffInput]>('inboxHandoff');

export interface InboxStatus {
  shard: number;
  /** The last round taken in. */
  round: number;
  /** Subscriptions with changes waiting in this inbox, and how many each. */
  waiting: { id: string; changes: number }[];
  /** Subscriptions whose hand-off is not yet acknowledged. */
  inFlight: string[];
  /** Subscriptions whose workflow was closed when last tried, and until when they wait (epoch ms). */
  held: { id: string; until: number }[];
  /** Changes dropped because their subscription was deleted, in this run. */
  dropped: number;
  /** JSON length of the changes not yet handed on, each counted once (the API's backpressure reads it). */
  backlogChars: number;
}
export const inboxStatusQuery = defineQuery<InboxStatus>('inboxStatus');
