// What the worker's lifecycle activities do (activities/operations.ts), built over the same
// service path the API uses: an operational event is routed by a ChangeRouter, as a publisher's
// change is, to the subscriptions that list it (tenants respected, broken ones healed), and
// signalled through a group committer. Operational events are rare, so the worker reads the
// subscriptions that listen to any of them from visibility at each event rather than keeping a
// routing table fresh.
import type { Client } from '@temporalio/client';
import type { OperationsDeps } from '../activities';
import { OPERATIONAL_EVENTS } from '../core/operational-events';
import { loadCatalog } from './catalog/catalog';
import type { HeraldConfig } from './config';
import { createMetrics } from './metrics';
import { ChangeRouter } from './service/changes';
import { GroupCommitter } from './service/group-commit';
import { RoutingTable } from './service/routing-table';
import { SubscriptionService } from './service/subscriptions';
import { TemporalCalls } from './temporal/calls';
import { DeliveryGateway } from './temporal/delivery-gateway';
import { changesSender } from './temporal/gateway';
import { SubscriptionGateway } from './temporal/subscription-gateway';

const CALL_TIMEOUT_MS = 10_000;

export function operationalEvents(config: HeraldConfig, client: Client): OperationsDeps {
  const calls = new TemporalCalls(client, CALL_TIMEOUT_MS);
  const gateway = new SubscriptionGateway(calls, config.taskQueue);
  const deliveries = new DeliveryGateway(calls);
  const routing = new RoutingTable({
    list: () => gateway.list(OPERATIONAL_EVENTS),
    // Refreshed before each event instead (never started).
    refreshMs: 60_000,
  });
  const subscriptions = new SubscriptionService({ gateway, deliveries, routing });
  const router = new ChangeRouter({
    gateway,
    catalog: loadCatalog(config.eventCatalogPath),
    routing,
    committer: new GroupCommitter(changesSender(client, CALL_TIMEOUT_MS)),
    // Counted apart from the API's: operational events are not changes a publisher sent.
    metrics: createMetrics({ defaultMetrics: false }),
    heal: (id) => subscriptions.heal(id),
  });
  return {
    async emit(change, about) {
      await routing.refresh();
      return (await router.publish([change], { except: about })).subscriptions;
    },
    withdraw: (workflowId) => deliveries.withdraw(workflowId),
  };
}
