// What Herald needs from a Temporal cluster before it can run: its namespace, and its search
// attributes registered there. `api` and `worker` check both at start and refuse to run without
// them (a missing namespace otherwise surfaces only as warnings from the worker's pollers);
// `/readyz` checks them on every probe; `setup` creates what is missing.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { msNumberToTs, msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';
import { ConfigError } from '../config';
import {
  HERALD_SEARCH_ATTRIBUTES,
  missingSearchAttributes,
  registerSearchAttributes,
} from './search-attributes';

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;
const DAY_MS = 86_400_000;

/**
 * Retention of closed workflows in a namespace `setup --create-namespace` creates. A delivery
 * workflow closes when its receiver acknowledged it or when its retries ran out (about 68 h with
 * the contract's schedule); while it is retained, the delivery list shows its changes and
 * attempts, and an operator can redeliver it. 7 days leave a working week to notice a failed delivery after its last attempt.
 * Running workflows are never subject to retention.
 */
export const DEFAULT_RETENTION = '7d';

/** A start-up refusal: one line saying what to run (printed without a stack trace). */
export class TemporalSetupError extends ConfigError {}

type SetupClient = Pick<Client, 'connection' | 'options'>;

const isNotFound = (err: unknown) => isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND;

/** The namespace's retention in ms, or undefined when the namespace does not exist. */
export async function describeNamespace(client: SetupClient): Promise<{ retentionMs: number } | undefined> {
  try {
    const res = await client.connection.workflowService.describeNamespace({
      namespace: client.options.namespace,
    });
    const seconds = res.config?.workflowExecutionRetentionTtl?.seconds;
    return { retentionMs: Number(seconds ?? 0) * 1000 };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What is missing, as one sentence with the command that fixes it; undefined when all is there. */
export async function setupProblem(client: SetupClient): Promise<string | undefined> {
  const namespace = client.options.namespace;
  if (!(await describeNamespace(client)))
    return `Temporal namespace "${namespace}" does not exist; create it with: npm run setup:temporal -- --create-namespace`;
  const { missing, wrongType } = await missingSearchAttributes(client);
  if (wrongType.length)
    return `search attributes ${wrongType.join(', ')} in namespace "${namespace}" have the wrong type; remove them (temporal operator search-attribute remove) and run: npm run setup:temporal`;
  if (missing.length)
    return `Herald's search attributes ${missing.join(', ')} are not registered in namespace "${namespace}"; register them with: npm run setup:temporal`;
  return undefined;
}

/** Throws TemporalSetupError (one line) unless the namespace and search attributes are there. */
export async function assertTemporalSetup(client: SetupClient, address: string): Promise<void> {
  const problem = await setupProblem(client);
  if (problem) throw new TemporalSetupError(`Herald cannot start on Temporal at ${address}: ${problem}`);
}

/** Parses `--retention` (72h, 7d, 30 days …); at least one day, as Temporal requires. */
export function parseRetention(value: string): number {
  let ms: number;
  try {
    ms = msToNumber(value as Duration);
  } catch {
    throw new ConfigError(`--retention ${value}: not a duration (use e.g. 72h or 7d)`);
  }
  if (!(ms >= DAY_MS)) throw new ConfigError(`--retention ${value}: must be at least 1 day`);
  return ms;
}

export const formatRetention = (ms: number): string =>
  ms % DAY_MS === 0 ? `${ms / DAY_MS}d` : `${Math.round(ms / 3_600_000)}h`;

/** Sets how long Temporal keeps closed histories in the namespace (HERALD_RETENTION_DAYS). */
export async function setRetention(client: SetupClient, retentionMs: number): Promise<void> {
  await client.connection.workflowService.updateNamespace({
    namespace: client.options.namespace,
    config: { workflowExecutionRetentionTtl: msNumberToTs(retentionMs) },
  });
}

async function retrying<T>(what: string, fn: () => Promise<T>, ok: (err: unknown) => boolean): Promise<T> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!ok(err) || Date.now() > end) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface SetupOptions {
  createNamespace: boolean;
  retentionMs: number;
  /** Set the retention of an existing namespace too (HERALD_RETENTION_DAYS or --retention given). */
  updateRetention?: boolean;
  log?: (line: string) => void;
}

/** `npm run setup:temporal`: the namespace (when asked), the search attributes, then a check. */
export async function setupTemporal(client: SetupClient, address: string, o: SetupOptions): Promise<void> {
  const log = o.log ?? console.log;
  const namespace = client.options.namespace;
  const existing = await describeNamespace(client);
  if (existing && o.updateRetention && existing.retentionMs !== o.retentionMs) {
    await setRetention(client, o.retentionMs);
    log(
      `Namespace ${namespace} exists; retention set to ${formatRetention(o.retentionMs)} (was ${formatRetention(existing.retentionMs)}).`,
    );
  } else if (existing) {
    log(`Namespace ${namespace} exists (retention ${formatRetention(existing.retentionMs)}).`);
  } else if (!o.createNamespace) {
    throw new TemporalSetupError(
      `Temporal namespace "${namespace}" does not exist at ${address}; run again with --create-namespace to create it: npm run setup:temporal -- --create-namespace [--retention ${DEFAULT_RETENTION}]`,
    );
  } else {
    try {
      await client.connection.workflowService.registerNamespace({
        namespace,
        description: 'Herald: durable, signed, bundled webhooks',
        workflowExecutionRetentionPeriod: msNumberToTs(o.retentionMs),
      });
      log(`Created namespace ${namespace} (retention ${formatRetention(o.retentionMs)}).`);
    } catch (err) {
      // Another setup (a second replica of compose's one-shot service) created it meanwhile.
      if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
      log(`Namespace ${namespace} was created meanwhile; left as it is.`);
    }
  }
  // A new namespace reaches the frontend's namespace cache within seconds; until then it is "not found".
  const added = await retrying(
    'registering search attributes',
    () => registerSearchAttributes(client, { info() {} }),
    isNotFound,
  );
  log(added.length ? `Registered ${added.join(', ')}.` : 'Search attributes already registered.');
  await waitUntilQueryable(client);
  await assertTemporalSetup(client, address);
}

/**
 * A list query naming every attribute succeeds only once the frontend's search-attribute cache
 * has them (right after registration it may not, without the dynamic-config setting
 * system.forceSearchAttributesCacheRefreshOnRead); setup returns only when they are usable.
 */
async function waitUntilQueryable(client: SetupClient): Promise<void> {
  const query = HERALD_SEARCH_ATTRIBUTES.map(
    ([name, type]) => `${name} = ${type === 'Int' ? '0' : "'_'"}`,
  ).join(' AND ');
  await retrying(
    'querying by the search attributes',
    () =>
      client.connection.workflowService.listWorkflowExecutions({
        namespace: client.options.namespace,
        pageSize: 1,
        query,
      }),
    () => true,
  );
}
