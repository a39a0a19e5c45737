// The subscription's side of the ingest inbox: hand-offs from inbox workflows, each change
// applied once (by its shard's round), in the order its inbox accepted it.
import { setHandler } from '@temporalio/workflow';
import { AppliedRounds, type AppliedMark } from '../core/inbox';
import type { Change } from '../core/types';
import { handoffSignal } from './inbox-messages';

export function takeHandoffs(
  carried: Record<string, AppliedMark> | undefined,
  receive: (changes: Change[], sizes: number[]) => void,
): AppliedRounds {
  const applied = new AppliedRounds(carried);
  setHandler(handoffSignal, (h) => {
    const { changes, sizes } = applied.take(h);
    if (changes.length > 0) receive(changes, sizes);
  });
  return applied;
}
