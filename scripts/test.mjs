#!/usr/bin/env node
// Runs node's test runner over every *.test.ts below the given folders, as one sorted list that
// skips fixtures/ and node_modules/ (the same on every supported Node, 22 and 24, whatever their
// --test glob rules). Usage: node scripts/test.mjs [folder|file ...]   (default: test)
//
// No --test-force-exit: with it, a file's process can exit before its last verdicts reach the
// reporter, with exit 0 (nodejs/node#64833; a Node 22 run here reported 433 of 437 tests). A
// file that leaves a handle open after its tests instead keeps the run waiting, so a watchdog
// ends a run that has printed nothing for HERALD_TEST_SILENCE_MINUTES (default 10) and fails it.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path).sort()) {
    if (name === 'fixtures' || name === 'node_modules') continue;
    collect(join(path, name), out);
  }
  return out;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['test']).flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error(`no test files under ${targets.join(', ')}`);
  process.exit(1);
}
const concurrency = process.env.HERALD_TEST_CONCURRENCY ?? '1';
const silenceMs = Number(process.env.HERALD_TEST_SILENCE_MINUTES ?? '10') * 60_000;

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  // Its own process group, so the watchdog ends the runner and every test file it started.
  { stdio: ['inherit', 'pipe', 'pipe'], detached: true },
);
let silentSince = Date.now();
let lastLine = '';
for (const [from, to] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  from.on('data', (chunk) => {
    silentSince = Date.now();
    const text = chunk.toString();
    const lines = text.trimEnd().split('\n');
    lastLine = lines[lines.length - 1] || lastLine;
    to.write(chunk);
  });
}
let hung = false;
const watchdog = setInterval(() => {
  if (Date.now() - silentSince < silenceMs) return;
  hung = true;
  console.error(
    `\nscripts/test.mjs: nothing printed for ${silenceMs / 60_000} min; a test file left a handle open ` +
      `or a test hangs. Last line: ${lastLine.trim()}\nEnding the run as failed.`,
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}, 5_000);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  });
}
child.on('close', (code) => {
  clearInterval(watchdog);
  process.exit(hung ? 1 : (code ?? 1));
});
