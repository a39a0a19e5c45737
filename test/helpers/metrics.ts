// Reading Herald's /metrics (Prometheus text) in tests.

/** The value of one sample line of the Prometheus text, or 0 when absent. */
export function metricSample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
