// Erasures as the API sees them (issue 29): start one (the same id while it runs is the same
// erasure; once ended, asking again runs it again under that id), and read its progress or,
// once done, its report. Never a key: the report run holds counts only.
import { WorkflowFailedError } from '@temporalio/client';
import type { EraseKey } from '../../core/erase';
import { erasureWorkflowId, zeroErasureCounts, type ErasureProgress } from '../../core/erasure-report';
import { erasureProgressQuery } from '../../workflows/erasure-messages';
import type { erasureWorkflow } from '../../workflows/erasure';
import type { TemporalCalls } from './calls';
import { isNotFound } from './gateway-errors';

export type ErasureView = ErasureProgress & { state: 'running' | 'done' | 'failed' };

export class ErasureGateway {
  constructor(
    private readonly calls: TemporalCalls,
    private readonly taskQueue: string,
  ) {}

  async start(erasureId: string, keys: EraseKey[], startedAt: string): Promise<void> {
    await this.calls.call(() =>
      this.calls.client.workflow.start<typeof erasureWorkflow>('erasureWorkflow', {
        workflowId: erasureWorkflowId(erasureId),
        taskQueue: this.taskQueue,
        args: [{ erasureId, keys, startedAt }],
        // Running: this request joins it. Ended: erasing again is harmless, and needed if the
        // publisher sent the object again since.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `erasure of ${keys.length} key(s)`,
      }),
    );
  }

  /** Undefined when there is no such erasure (or retention removed it). */
  async get(erasureId: string): Promise<ErasureView | undefined> {
    const handle = this.calls.client.workflow.getHandle<typeof erasureWorkflow>(erasureWorkflowId(erasureId));
    let status: string;
    let startTime: Date;
    try {
      ({
        status: { name: status },
        startTime,
      } = await this.calls.call(() => handle.describe()));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (status === 'RUNNING') {
      const progress = await this.calls.query(handle.workflowId, () => handle.query(erasureProgressQuery));
      return { ...progress, state: 'running' };
    }
    try {
      const report = await this.calls.call(() => handle.result());
      return { ...report, state: 'done' };
    } catch (err) {
      // Closed by an operator (terminated, cancelled): start it again to finish the erasure.
      if (!(err instanceof WorkflowFailedError)) throw err;
      const startedAt = startTime.toISOString();
      return {
        erasureId,
        phase: 'histories',
        keys: 0,
        startedAt,
        counts: zeroErasureCounts(),
        state: 'failed',
      };
    }
  }
}
