// Where the CPU goes during a phase: user+system seconds of the Temporal server, the Herald
// process and this load generator, read from /proc (Linux) so the split needs no profiler.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuSecondsOf(pid: number): number {
  try {
    // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

export type CpuSplit = Record<string, number>;

/** Starts a measurement over named pids; the returned function gives CPU cores used by each. */
export function cpuMeter(pids: Record<string, number | undefined>): () => CpuSplit {
  const t0 = performance.now();
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, p ? cpuSecondsOf(p) : NaN]));
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const out: CpuSplit = {};
    for (const [k, p] of Object.entries(pids))
      out[k] = p ? Math.round(((cpuSecondsOf(p) - start[k]!) / wall) * 100) / 100 : NaN;
    return out;
  };
}
