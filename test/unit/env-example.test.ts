// .env.example documents every variable src/config.ts reads, and nothing it does not.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { envSchema } from '../../src/config';

/** Variables that are read elsewhere than src/config.ts (bundle.ts, docker-compose.yml). */
const EXTRA = [
  'HERALD_WORKFLOW_BUNDLE',
  'HERALD_CODEC_UI_TOKEN',
  'HERALD_PUBLIC_URL',
  'HERALD_PUBLIC_PORT',
  'HERALD_BIND',
  'TEMPORAL_UI_PORT',
  'POSTGRES_PASSWORD',
];

void test('.env.example names every configuration variable', () => {
  const text = readFileSync(join(resolve(__dirname, '..', '..'), '.env.example'), 'utf8');
  const named = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
  for (const name of Object.keys(envSchema.shape)) assert.ok(named.has(name), `${name} is documented`);
  for (const name of named)
    assert.ok(name in envSchema.shape || EXTRA.includes(name), `${name} is a variable Herald reads`);
});
