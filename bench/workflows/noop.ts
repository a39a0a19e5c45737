// Bench-only workflow: counts signals and does nothing else, so the rate at which the engine
// accepts `handle.signal` into it is Temporal's own ceiling, with no Herald code in the way.
import { condition, continueAsNew, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';

export const pingSignal = defineSignal<[number]>('ping');
export const stopSignal = defineSignal('stop');

/** Far below Temporal's 51,200-event hard limit; a long run continues as new instead. */
const HISTORY_LIMIT = 20_000;

export async function noopWorkflow(): Promise<void> {
  let stopped = false;
  setHandler(pingSignal, () => undefined);
  setHandler(stopSignal, () => void (stopped = true));
  await condition(() => stopped || workflowInfo().historyLength > HISTORY_LIMIT);
  if (!stopped) await continueAsNew<typeof noopWorkflow>();
}
