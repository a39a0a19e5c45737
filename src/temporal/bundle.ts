// Bundling the workflow code takes seconds; cache the bundle by a hash of its sources so
// restarts and test files reuse it.
import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { BUNDLED_CONVERTERS, FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from './data-converter';

export const WORKFLOWS_DIR = resolve(__dirname, '..', '..', 'workflows');
/** The pure domain the workflows import: part of the bundle, so part of its hash. */
const CORE_DIR = resolve(__dirname, '..', '..', 'core');
const LOCKFILE = resolve(__dirname, '..', '..', 'package-lock.json');

function sourceHash(): string {
  const h = createHash('sha256');
  for (const dir of [WORKFLOWS_DIR, CORE_DIR]) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.ts')) h.update(`${basename(dir)}/${f}`).update(readFileSync(join(dir, f)));
    }
  }
  for (const f of [FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH]) h.update(readFileSync(f));
  if (existsSync(LOCKFILE)) h.update(readFileSync(LOCKFILE));
  return h.digest('hex').slice(0, 16);
}

/** Returns `{ codePath }` of a bundle built from the current workflow sources. */
export async function workflowBundle(
  cacheDir = resolve(__dirname, '..', '..', '.cache'),
): Promise<{ codePath: string }> {
  const prebuilt = process.env.HERALD_WORKFLOW_BUNDLE;
  if (prebuilt) return { codePath: resolve(prebuilt) };
  const codePath = join(cacheDir, `workflow-bundle-${sourceHash()}.js`);
  if (!existsSync(codePath)) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(WORKFLOWS_DIR, 'index.ts'),
      ...BUNDLED_CONVERTERS,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${codePath}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, codePath);
  }
  return { codePath };
}
