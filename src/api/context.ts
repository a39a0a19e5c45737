// What the route plugins share: the services, the per-app schemas and the auth hooks.
import type { EventCatalog } from '../catalog/catalog';
import type { HeraldConfig } from '../config';
import type { Metrics } from '../metrics';
import type { ChangeRouter } from '../service/changes';
import type { DeliveryService } from '../service/deliveries';
import type { SubscriptionService } from '../service/subscriptions';
import type { Auth } from './auth';
import type { changeSchemas } from './change-schemas';
import type { subscriptionSchemas } from './subscription-schemas';

export interface ApiContext {
  config: HeraldConfig;
  catalog: EventCatalog;
  metrics: Metrics;
  auth: Auth;
  subscriptions: SubscriptionService;
  deliveries: DeliveryService;
  changes: ChangeRouter;
  schemas: {
    subscription: ReturnType<typeof subscriptionSchemas>;
    change: ReturnType<typeof changeSchemas>;
  };
}

type Security = { [scheme: string]: string[] }[];
export const ADMIN: Security = [{ adminKey: [] }];
export const PUBLISH: Security = [{ publishKey: [] }];
/** The subscription routes: the admin key, or a tenant token limited to its tenant. */
export const MANAGE: Security = [{ adminKey: [] }, { tenantToken: [] }];
/** The event catalogue: either key, or a tenant token (its subscription form lists the events). */
export const ANY: Security = [{ adminKey: [] }, { publishKey: [] }, { tenantToken: [] }];
