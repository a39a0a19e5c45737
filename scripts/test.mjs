#!/usr/bin/env node
// Runs node's test runner over every *.test.ts below the given folders, as one sorted list that
// skips fixtures/ and node_modules/ (the same on every supported Node, 22 and 24, whatever their
// --test glob rules). Usage: node scripts/test.mjs [folder|file ...]   (default: test)
import { spawnSync } from 'node:child_process';
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
// --test-force-exit: a file whose tests have ended exits even if a test left a handle open (a
// failed test's polling loop, say), so a failure is reported instead of hanging the run.
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-force-exit',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
