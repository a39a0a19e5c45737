// Reading Herald's /metrics (Prometheus text) in tests.

/**
 * The sum of the samples of `name` whose labels include every `k="v"` pair of `labels`
 * (comma-separated, as in the text format), or 0 when none match.
 */
export function metricSample(text: string, name: string, labels = ''): number {
  const wanted = labels ? labels.split(/,(?=[a-zA-Z_]+=")/) : [];
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(/,(?=[a-zA-Z_]+=")/) : [];
    if (wanted.every((w) => have.includes(w))) sum += Number(m[3]);
  }
  return sum;
}
