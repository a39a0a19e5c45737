import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import type { HeraldConfig } from '../config';
import { heraldDataConverter } from './data-converter';

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
  const connection = await Connection.connect(connectionOptions(cfg, address));
  return new Client({
    connection,
    namespace: cfg.temporal.namespace,
    dataConverter: heraldDataConverter(cfg.encryptionKeys),
  });
}
