// The API built over a Temporal client that never connects (nothing listens on port 1): for
// app.inject tests of answers that must not need Temporal; any call that reached it fails with 503.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/api/app';
import { loadCatalog } from '../../src/catalog/catalog';
import type { HeraldConfig } from '../../src/config';
import { createEncryptionCodec } from '../../src/temporal/codec';

export function buildOfflineApp(
  config: HeraldConfig,
  extra: Partial<AppDeps> = {},
): Promise<FastifyInstance> {
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  return buildApp({
    config,
    client,
    catalog: loadCatalog(config.eventCatalogPath),
    codec: createEncryptionCodec(config.encryptionKeys),
    callTimeoutMs: 500,
    ...extra,
  });
}
