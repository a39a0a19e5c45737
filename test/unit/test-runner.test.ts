// scripts/test.mjs, the runner `npm test` and CI go through: every verdict of a file is
// reported (no --test-force-exit, which dropped a file's last ones), and a file that never
// exits fails the run after a silence instead of hanging CI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';

const FIXTURES = 'test/fixtures/test-runner';

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...rest } = env;
  return rest;
}

function run(file: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['scripts/test.mjs', `${FIXTURES}/${file}`], {
      // Without the outer runner's NODE_TEST_CONTEXT, which would make the inner one a child of it.
      env: { ...withoutTestContext(process.env), ...env },
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => resolve({ code, out, ms: Date.now() - started }));
  });
}

void it('reports every verdict of a file, the last ones included', { timeout: 60_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const r = await run('many.test.ts');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /ℹ tests 200\n/);
    assert.match(r.out, /ℹ pass 200\n/);
    assert.match(r.out, /fixture test 200 /);
  }
});

void it('fails a run that stays silent (a file left a handle open) instead of hanging', { timeout: 60_000 }, async () => {
  const r = await run('open-handle.test.ts', { HERALD_TEST_SILENCE_MINUTES: '0.1' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /nothing printed for 0\.1 min/);
  assert.match(r.out, /leaves an interval running/);
  assert.ok(r.ms < 30_000, `ended after ${r.ms} ms`);
});
