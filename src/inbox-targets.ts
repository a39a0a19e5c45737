// What the worker's inbox activity does (activities/inbox.ts): Temporal's view of a subscription
// that a hand-off did not find, healing a broken one as a publisher's request to it would
// (src/service/healing.ts), so changes accepted into an inbox are never dropped for a broken
// subscription, only for a deleted one.
import type { Client } from '@temporalio/client';
import type { InboxTargetsDeps } from '../activities';
import type { HeraldConfig } from './config';
import { Healer } from './service/healing';
import { RoutingTable } from './service/routing-table';
import { TemporalCalls } from './temporal/calls';
import { SubscriptionGateway } from './temporal/subscription-gateway';

const CALL_TIMEOUT_MS = 10_000;

export function inboxTargets(config: HeraldConfig, client: Client): InboxTargetsDeps {
  const gateway = new SubscriptionGateway(new TemporalCalls(client, CALL_TIMEOUT_MS), config.taskQueue);
  // The healer tells a routing table of the restored subscription; this one is never read.
  const routing = new RoutingTable({ list: async () => [], refreshMs: 3_600_000 });
  const healer = new Healer({ gateway, routing });
  return {
    async status(id) {
      const status = await gateway.runStatus(id);
      if (status !== 'broken') return status;
      return (await healer.heal(id)) ? 'running' : 'broken';
    },
  };
}
