// What publishing makes of validated changes before routing them: the contract's defaults
// filled in, and consecutive changes that route alike grouped, so that each group is routed once.
import { eventOf } from '../catalog/catalog';
import { changeUrl, type ChangeUrlRules } from './change-urls';
import type { RoutableChange } from './routing-rules';

/** Splits changes into runs of consecutive ones that route alike (event, tenant, channels). */
export function routingRuns(changes: RoutableChange[]): RoutableChange[][] {
  const runs: RoutableChange[][] = [];
  let last: string | undefined;
  for (const c of changes) {
    const key = `${c.event}\u0000${c.tenant ?? '\u0001'}\u0000${c.channels?.join('\u0000') ?? '\u0001'}`;
    if (key === last) runs[runs.length - 1]!.push(c);
    else runs.push([c]);
    last = key;
  }
  return runs;
}

/** Fills the defaults of docs/contract.md §2: `event`, and `url` unless the change is a destroy. */
export function normalizeChange(change: RoutableChange, urls: ChangeUrlRules): RoutableChange {
  const { url: _dropped, ...rest } = change;
  const out: RoutableChange = { ...rest, event: eventOf(change) };
  if (change.action !== 'destroy') out.url = changeUrl(change, urls);
  return out;
}
