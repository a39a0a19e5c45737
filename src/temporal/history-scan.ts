// Reads one run's history a page at a time, decodes every payload in it with Herald's own codec
// (and JSON, the payload converter's encoding) and tells whether it holds an erased key
// (issue 29). Stops at the first page that does: a scan costs at most one history.
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { holdsErased, type EraseKey } from '../../core/erase';

const PAGE_EVENTS = 200;

export interface RunRef {
  workflowId: string;
  runId: string;
}

/** Every Payload inside a history event (inputs, results, signals, updates, markers, memo, failures). */
export function payloadsIn(value: unknown, out: Payload[] = [], depth = 0): Payload[] {
  if (!value || typeof value !== 'object' || depth > 16 || value instanceof Uint8Array) return out;
  const v = value as Record<string, unknown>;
  if (v.data instanceof Uint8Array && v.metadata && typeof v.metadata === 'object') {
    out.push(v as Payload);
    return out;
  }
  for (const child of Object.values(v)) payloadsIn(child, out, depth + 1);
  return out;
}

/** A payload as the JSON it carries; undefined when it is not JSON or cannot be decrypted. */
export async function decodePayload(codec: PayloadCodec, payload: Payload): Promise<unknown> {
  try {
    const [plain] = await codec.decode([payload]);
    const encoding = Buffer.from(plain?.metadata?.encoding ?? new Uint8Array()).toString();
    if (!plain?.data || !encoding.startsWith('json/')) return undefined;
    return JSON.parse(Buffer.from(plain.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface ScanResult {
  holds: boolean;
  /** The run's input (its first argument), decoded: a delivery's batch lives there. */
  input?: unknown;
}

export async function scanHistory(
  client: Client,
  codec: PayloadCodec,
  run: RunRef,
  keys: readonly EraseKey[],
): Promise<ScanResult> {
  let nextPageToken: Uint8Array | undefined;
  let input: unknown;
  do {
    const res = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: run,
      maximumPageSize: PAGE_EVENTS,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const event of res.history?.events ?? []) {
      const started = event.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (started) input = await decodePayload(codec, started as Payload);
      for (const payload of payloadsIn(event)) {
        if (holdsErased(await decodePayload(codec, payload), keys)) return { holds: true, input };
      }
    }
    nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
  } while (nextPageToken);
  return { holds: false, input };
}
