// Herald as a real process, seen from outside: processes and its children in /proc, whether a pid lives,
// and polling until something holds.
import { readdirSync, readFileSync } from 'node:fs';

/** Every process by its /proc stat (Linux): id, parent and command name. */
export function processes(): { pid: number; ppid: number; comm: string }[] {
  const out: { pid: number; ppid: number; comm: string }[] = [];
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(d), ppid, comm });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Children of `pid` (Linux). */
export function childPids(pid: number): { pid: number; comm: string }[] {
  return processes()
    .filter((p) => p.ppid === pid)
    .map(({ pid: child, comm }) => ({ pid: child, comm }));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
