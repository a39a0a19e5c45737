// What the console's charts draw: a subscription's attempts over the last hour, bucketed from
// the deliveries it shows, and figures sampled at each refresh while the page is open (the
// backlog, counters), kept for an hour. Pure functions and one hook, no drawing.
import { useRef } from 'preact/hooks';

export const HOUR_MS = 3_600_000;
const BUCKETS = 12;

/** Attempts in the hour before `now`, in 12 buckets of 5 minutes: {start, ok, failed}. */
export function attemptBuckets(deliveries, now) {
  const size = HOUR_MS / BUCKETS;
  const from = now - HOUR_MS;
  const out = Array.from({ length: BUCKETS }, (_, i) => ({ start: from + i * size, ok: 0, failed: 0 }));
  for (const d of deliveries) {
    for (const a of d.attempts) {
      const at = Date.parse(a.at);
      if (!(at > from && at <= now)) continue;
      const bucket = out[Math.min(BUCKETS - 1, Math.floor((at - from) / size))];
      if (a.statusCode !== undefined && a.statusCode >= 200 && a.statusCode < 300) bucket.ok++;
      else bucket.failed++;
    }
  }
  return out;
}

/**
 * The values `sample()` has seen at each refresh, for the last hour: [{at, value}]. The page
 * calls it with its newest data; a repeated `at` (no new data) is not a new sample.
 */
export function useSamples() {
  const samples = useRef([]);
  const sample = (at, value) => {
    const list = samples.current;
    if (list.length && list[list.length - 1].at >= at) return list;
    list.push({ at, value });
    while (list.length && list[0].at < at - HOUR_MS) list.shift();
    return list;
  };
  return sample;
}

/** Differences between consecutive cumulative samples: what happened between two refreshes. */
export function deltas(samples, pick) {
  const out = [];
  for (let i = 1; i < samples.length; i++)
    out.push({ start: samples[i - 1].at, ...pick(samples[i].value, samples[i - 1].value) });
  return out;
}
