// `setup:temporal --retention`: what it accepts, and how the retention is shown back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config';
import { DEFAULT_RETENTION, formatRetention, parseRetention } from '../../src/temporal/setup';

const HOUR = 3_600_000;

void test('--retention takes hours and days, at least one day', () => {
  assert.equal(parseRetention('72h'), 72 * HOUR);
  assert.equal(parseRetention('7d'), 168 * HOUR);
  assert.equal(parseRetention('30 days'), 720 * HOUR);
  // Counted from when a delivery closed (after its ~68 h of retries): a week to redeliver it.
  assert.equal(parseRetention(DEFAULT_RETENTION), 7 * 24 * HOUR);
  for (const bad of ['12h', 'soon', '', '-3d'])
    assert.throws(() => parseRetention(bad), ConfigError, `--retention ${bad} is refused`);
});

void test('retention is shown in days when whole, else hours', () => {
  assert.equal(formatRetention(168 * HOUR), '7d');
  assert.equal(formatRetention(36 * HOUR), '36h');
});
