// Bundling the workflow code takes seconds; cache the bundle by a hash of its sources so
// restarts and test files reuse it.
import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { BUNDLED_CONVERTERS, FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from './data-converter';

export const WORKFLOWS_DIR = resolve(__dirname, '..', '..', 'workflows');
/** OpenTelemetry's workflow interceptors and Herald's: in the bundle of a traced worker only. */
export const TRACING_INTERCEPTORS = join(WORKFLOWS_DIR, 'tracing-interceptors.ts');
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

/** A prebuilt bundle's traced sibling: `workflow-bundle.js` → `workflow-bundle-traced.js`. */
export const tracedBundlePath = (codePath: string): string => codePath.replace(/(\.js)?$/, '-traced.js');

/**
 * Returns `{ codePath }` of a bundle built from the current workflow sources; `traced`: with the
 * tracing interceptors (a separate bundle and cache entry, so an untraced worker carries none).
 */
export async function workflowBundle(
  cacheDir = resolve(__dirname, '..', '..', '.cache'),
  { traced = false }: { traced?: boolean } = {},
): Promise<{ codePath: string }> {
  const prebuilt = process.env.HERALD_WORKFLOW_BUNDLE;
  if (prebuilt) {
    if (!traced) return { codePath: resolve(prebuilt) };
    const sibling = resolve(tracedBundlePath(prebuilt));
    if (!existsSync(sibling))
      throw new Error(`tracing is on but ${sibling} is missing: npm run build writes it beside ${prebuilt}`);
    return { codePath: sibling };
  }
  const codePath = join(cacheDir, `workflow-bundle-${traced ? 'traced-' : ''}${sourceHash()}.js`);
  if (!existsSync(codePath)) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(WORKFLOWS_DIR, 'index.ts'),
      ...(traced ? { workflowInterceptorModules: [TRACING_INTERCEPTORS] } : {}),
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
