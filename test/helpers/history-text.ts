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
  for await (const w of client.workflow.list()) {
    let history;
    try {
      history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    } catch {
      continue; // deleted meanwhile (visibility lags behind a deletion)
    }
    const lines: string[] = [];
    for (const event of history.events ?? []) {
      for (const p of payloads(event)) {
        const [plain] = await codec.decode([p]);
        lines.push(Buffer.from(plain!.data ?? new Uint8Array()).toString('utf8'));
      }
    }
    out.push({
      workflowId: w.workflowId,
      runId: w.runId,
      type: w.type,
      status: w.status.name,
      text: lines.join('\n'),
    });
  }
  return out;
}
