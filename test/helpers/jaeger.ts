// A real Jaeger (v2, all in one process: OTLP receiver, in-memory storage, query API), built
// from its Go module by scripts/jaeger.mjs and cached like the Temporal binaries, listening on
// free ports of 127.0.0.1 only. Tests read traces back through Jaeger's own query API.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goToolBinary, startTool } from './go-tools';
import { freePort } from './ports';

/** The pinned Jaeger binary, built on first use (minutes cold; fails clearly without Go). */
export const jaegerBinary = (): string => goToolBinary('jaeger');

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  processID: string;
  tags: { key: string; value: unknown }[];
  startTime: number;
  duration: number;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export interface Jaeger {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for OTLP over HTTP. */
  otlpHttp: string;
  /** host:port of the OTLP gRPC receiver. */
  otlpGrpc: string;
  queryUrl: string;
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  traces(service: string, limit?: number): Promise<JaegerTrace[]>;
  output(): string;
  stop(): Promise<void>;
}

const config = (p: Record<string, number>) => `
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${p.queryHttp}
    grpc:
      endpoint: 127.0.0.1:${p.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${p.otlpGrpc}
      http:
        endpoint: 127.0.0.1:${p.otlpHttp}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;

export async function startJaeger(binary = jaegerBinary()): Promise<Jaeger> {
  const ports = {
    queryHttp: await freePort(),
    queryGrpc: await freePort(),
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
  };
  const dir = mkdtempSync(join(tmpdir(), 'herald-jaeger-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, config(ports));
  const queryUrl = `http://127.0.0.1:${ports.queryHttp}`;
  const get = async <T>(path: string): Promise<T | undefined> => {
    const res = await fetch(queryUrl + path, { signal: AbortSignal.timeout(5_000) });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`Jaeger ${path}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: T }).data;
  };
  const { output, stop } = await startTool({
    name: 'Jaeger',
    binary,
    args: ['--config', file],
    dir,
    ready: async () => (await get('/api/services'), true),
    timeoutMs: 60_000,
  });
  return {
    otlpHttp: `http://127.0.0.1:${ports.otlpHttp}`,
    otlpGrpc: `127.0.0.1:${ports.otlpGrpc}`,
    queryUrl,
    trace: async (traceId) => (await get<JaegerTrace[]>(`/api/traces/${traceId}`))?.[0],
    traces: async (service, limit = 100) =>
      (await get<JaegerTrace[]>(`/api/traces?service=${encodeURIComponent(service)}&limit=${limit}`)) ?? [],
    output,
    stop,
  };
}
