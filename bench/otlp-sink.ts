// `npm run bench -- --tracing`: Herald traced at 100 % sampling, exporting OTLP/HTTP to this
// sink on 127.0.0.1, which answers every export at once and only counts it. The bench then
// measures what tracing costs Herald (spans made, serialized and sent), not a backend.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** The child's OTEL_* environment: traces to this sink, every trace sampled. */
  env: Record<string, string>;
  stats(): { exports: number; bytes: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (b: Buffer) => (bytes += b.length));
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_SERVICE_NAME: 'herald-bench',
    },
    stats: () => ({ exports, bytes }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
