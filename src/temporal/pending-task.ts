// What a workflow's describe says of its pending workflow task, for the lag guard: since when
// its signals have waited for a task to take them (epoch ms, the server's clock), or nothing
// when no task is pending. A first attempt that a worker has started does not count (a worker
// holds one open while a local activity runs, taking in the signals that arrive meanwhile); a
// retried one does, from its first attempt's scheduling: that attempt timed out or failed.
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

type PendingWorkflowTask = temporal.api.workflow.v1.IPendingWorkflowTaskInfo | null | undefined;

export function pendingTaskOf(task: PendingWorkflowTask): { since?: number; detail?: string } {
  if (!task) return {};
  const attempt = task.attempt ?? 1;
  const started =
    task.state === temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED;
  if (started && attempt === 1) return {};
  const scheduled = task.originalScheduledTime ?? task.scheduledTime;
  return {
    since: scheduled ? tsToMs(scheduled) : undefined,
    detail: `attempt ${attempt}, ${started ? 'started' : 'waiting for a worker'}`,
  };
}
