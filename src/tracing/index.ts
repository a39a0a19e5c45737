// Tracing on or off, decided once per process by the standard OpenTelemetry variables alone
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_TRACES_EXPORTER,
// OTEL_SDK_DISABLED): Herald's own config has no tracing setting. Off, nothing of OpenTelemetry
// is even loaded: this module imports no SDK, the API and the worker register no interceptor,
// and the group commit, the gateway and the HTTP client run the code they ran before tracing.
import type { TracingRuntime } from './sdk';

export type { TracingRuntime } from './sdk';

type Env = Record<string, string | undefined>;

/** True when the environment asks for traces to be exported. */
export function tracingRequested(env: Env = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.includes('none')) return false;
  if (exporters.length > 0) return true;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

let runtime: TracingRuntime | undefined;
let starting: Promise<TracingRuntime | undefined> | undefined;

/**
 * Starts the SDK once per process when process.env asks for it (`serviceName` unless
 * OTEL_SERVICE_NAME says otherwise; the exporters read their OTEL_* variables from process.env
 * themselves); undefined when tracing is off.
 */
export function startTracing(serviceName: string): Promise<TracingRuntime | undefined> {
  if (!tracingRequested(process.env)) return Promise.resolve(undefined);
  starting ??= import('./sdk.js').then(
    ({ createTracing }) => (runtime = createTracing(serviceName, process.env)),
  );
  return starting;
}

/** The running SDK, or undefined when tracing is off (or not started yet). */
export const tracing = (): TracingRuntime | undefined => runtime;

/** Flushes the spans still buffered and stops the SDK (a later startTracing starts it anew). */
export async function stopTracing(): Promise<void> {
  const r = runtime;
  runtime = undefined;
  starting = undefined;
  await r?.shutdown();
}
