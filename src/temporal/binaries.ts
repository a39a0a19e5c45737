// Finds (and on first use obtains) the Temporal binaries through the project's own script,
// so `npm start` and the tests work on a machine where postinstall could not fetch them.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'temporal-bin.mjs');
const cache = new Map<string, string>();

export function temporalBinary(kind: 'cli' | 'test-server'): string {
  const hit = cache.get(kind);
  if (hit) return hit;
  const path = execFileSync(process.execPath, [SCRIPT, '--print', kind], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  cache.set(kind, path);
  return path;
}
