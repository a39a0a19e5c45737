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

/** A process, or a group of them (a Temporal cluster's services, PostgreSQL's backends). */
export type PidSet = number | number[] | (() => number[]) | undefined;

const pidsOf = (p: PidSet): number[] =>
  p === undefined ? [] : typeof p === 'number' ? [p] : typeof p === 'function' ? p() : p;

/**
 * Per pid: a group listed again at the end (PostgreSQL starts a backend per new connection)
 * counts a process that appeared meanwhile from zero.
 */
function cpuSecondsOfSet(p: PidSet): Map<number, number> {
  return new Map(pidsOf(p).map((pid) => [pid, cpuSecondsOf(pid)]));
}

/** Starts a measurement over named pids; the returned function gives CPU cores used by each. */
export function cpuMeter(pids: Record<string, PidSet>): () => CpuSplit {
  const t0 = performance.now();
  const start = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSecondsOfSet(p)]));
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const out: CpuSplit = {};
    for (const [k, p] of Object.entries(pids)) {
      const end = cpuSecondsOfSet(p);
      if (end.size === 0) {
        out[k] = NaN;
        continue;
      }
      let used = 0;
      for (const [pid, sec] of end) if (Number.isFinite(sec)) used += sec - (start[k]!.get(pid) ?? 0);
      out[k] = Math.round((used / wall) * 100) / 100;
    }
    return out;
  };
}
