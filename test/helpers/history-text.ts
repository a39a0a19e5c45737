// Every history in a namespace, decoded with Herald's own codec into text: what a test searches
// for data that must be gone (issue 29). Written apart from src/temporal/history-scan.ts, so the
// erasure is checked by other code than its own.
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';

function payloads(value: unknown, out: Payload[] = [], depth = 0): Payload[] {
  if (!value || typeof value !== 'object' || depth > 20 || value instanceof Uint8Array) return out;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') out.push(v as Payload);
  else for (const child of Object.values(v)) payloads(child, out, depth + 1);
  return out;
}

export interface DecodedRun {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  /** Every payload of every event, decoded to its UTF-8 text, one per line. */
  text: string;
}

/** Every run visibility lists (open and closed) whose history can still be read, decoded. */
export async function decodeEveryHistory(client: Client, codec: PayloadCodec): Promise<DecodedRun[]> {
  const out: DecodedRun[] = [];
  const namespace = client.options.namespace;
  let nextPageToken: Uint8Array | undefined;
  do {
    // Raw visibility: nothing here depends on the client's data converter.
    const page = await client.workflowService.listWorkflowExecutions({
      namespace,
      pageSize: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const ex of page.executions ?? []) {
      const execution = { workflowId: ex.execution!.workflowId!, runId: ex.execution!.runId! };
      const events: unknown[] = [];
      let token: Uint8Array | undefined;
      try {
        do {
          const res = await client.workflowService.getWorkflowExecutionHistory({
            namespace,
            execution,
            ...(token ? { nextPageToken: token } : {}),
          });
          events.push(...(res.history?.events ?? []));
          token = res.nextPageToken?.length ? res.nextPageToken : undefined;
        } while (token);
      } catch {
        continue; // deleted meanwhile (visibility lags behind a deletion)
      }
      const lines: string[] = [];
      for (const p of payloads(events)) {
        const [plain] = await codec.decode([p]);
        lines.push(Buffer.from(plain!.data ?? new Uint8Array()).toString('utf8'));
      }
      out.push({
        ...execution,
        type: ex.type?.name ?? '',
        status: String(ex.status ?? ''),
        text: lines.join('\n'),
      });
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}
