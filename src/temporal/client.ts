import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { HeraldConfig } from '../config';
import { heraldDataConverter } from './data-converter';
import { heraldGrpcRetryInterceptor } from './grpc-retry';
import { tracing } from '../tracing';

export const HISTORY_PAGE_BYTES = 64 * 1024 * 1024;

/** Connection settings shared by the client and the worker's native connection. */
export function connectionOptions(
  cfg: HeraldConfig,
  address: string,
): Pick<ConnectionOptions, 'address' | 'tls'> & { apiKey?: string } {
  const { tls, apiKey } = cfg.temporal;
  return {
    address,
    apiKey,
    tls: tls
      ? {
          clientCertPair: { crt: readFileSync(tls.cert), key: readFileSync(tls.key) },
          serverRootCACertificate: tls.ca ? readFileSync(tls.ca) : undefined,
        }
      : apiKey
        ? true
        : undefined,
  };
}

export async function createTemporalClient(
  cfg: HeraldConfig,
  address = cfg.temporal.address,
): Promise<Client> {
  if (!address) throw new Error('no Temporal address');
  const connection = await Connection.connect({
    ...connectionOptions(cfg, address),
    // A history page (restore reads one) can pass gRPC's default 4 MB: a run holds up to
    // 8 MB of history before it continues as new.
    channelArgs: { 'grpc.max_receive_message_length': HISTORY_PAGE_BYTES },
    interceptors: [heraldGrpcRetryInterceptor()],
  });
  // With tracing on (src/tracing): spans for starts, signals, queries and updates, their
  // context in the headers the workflow interceptors read. Off: no interceptor at all.
  const traced = tracing();
  return new Client({
    connection,
    ...(traced ? { interceptors: traced.clientInterceptors() } : {}),
    namespace: cfg.temporal.namespace,
    dataConverter: heraldDataConverter(cfg.encryptionKeys),
  });
}
