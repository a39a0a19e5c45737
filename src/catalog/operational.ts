// Herald's own operational events in the catalogue: every deployment has them, whatever its
// catalogue file lists, so a subscription can always ask for them by name (docs/contract.md §7).
import { OPERATIONAL_EVENTS, type OperationalEvent } from '../../core/operational-events';
import type { CatalogEntry } from './catalog';

const DESCRIPTIONS: Record<OperationalEvent, string> = {
  'subscription.disabled':
    'Operational (sent by Herald): a subscription was disabled, its partner answered 410 Gone or failed for delivery.disableAfterMs; its changes are held until it is resumed.',
  'subscription.enabled': 'Operational (sent by Herald): a disabled subscription was resumed.',
  'delivery.failed':
    'Operational (sent by Herald): a delivery failed after its last attempt (dead-lettered; redeliver or recover it).',
  'subscription.broken':
    "Operational (sent by Herald): a subscription's workflow was found closed outside Herald.",
  'subscription.restored':
    'Operational (sent by Herald): a broken subscription was restored with its pending changes.',
};

/** The catalogue's events plus the operational ones it does not list itself. */
export function withOperationalEvents(entries: CatalogEntry[]): CatalogEntry[] {
  const listed = new Set(entries.map((e) => e.name));
  const missing = OPERATIONAL_EVENTS.filter((name) => !listed.has(name));
  return [
    ...entries,
    ...missing.map((name) => ({ name, description: DESCRIPTIONS[name], pii: [], details: [] })),
  ];
}
