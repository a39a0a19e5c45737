// Second half of `npm run build` (after `tsc -p tsconfig.build.json`): prebuilds the workflow
// bundle, so a production worker never runs webpack at start (HERALD_WORKFLOW_BUNDLE points
// the worker at it), and completes dist/ with the data files the compiled code reads by path.
//
//   tsx scripts/bundle-workflows.ts [--out dist/workflow-bundle.js]
import { bundleWorkflowCode } from '@temporalio/worker';
import { copyFileSync, cpSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BUNDLED_CONVERTERS } from '../src/temporal/data-converter';
import { tracedBundlePath, TRACING_INTERCEPTORS, WORKFLOWS_DIR } from '../src/temporal/bundle';

const ROOT = resolve(__dirname, '..');

export async function buildWorkflowBundle(
  outFile: string,
  { traced = false }: { traced?: boolean } = {},
): Promise<{ codePath: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(WORKFLOWS_DIR, 'index.ts'),
    ...(traced ? { workflowInterceptorModules: [TRACING_INTERCEPTORS] } : {}),
    ...BUNDLED_CONVERTERS,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  mkdirSync(dirname(outFile), { recursive: true });
  // Written whole or not at all: a worker never loads half a bundle.
  const tmp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, outFile);
  return { codePath: outFile, bytes: Buffer.byteLength(code) };
}

// Compiled src/temporal/binaries.js runs <dist>/scripts/temporal-bin.mjs; this forwards to the
// project's own script, so `node dist/src/main.js` finds the same cached Temporal CLI.
const BINARY_SHIM = `// Written by scripts/bundle-workflows.ts.
import { ensure } from '../../scripts/temporal-bin.mjs';
const at = process.argv.indexOf('--print');
process.stdout.write(\`\${await ensure(process.argv[at + 1] ?? 'cli', { quiet: true })}\\n\`);
`;

/** src/config.ts finds the default catalogue at <dist>/config/events.json once compiled; the console its files. */
export function copyDataFiles(distDir: string): void {
  mkdirSync(join(distDir, 'config'), { recursive: true });
  copyFileSync(join(ROOT, 'config', 'events.json'), join(distDir, 'config', 'events.json'));
  mkdirSync(join(distDir, 'scripts'), { recursive: true });
  writeFileSync(join(distDir, 'scripts', 'temporal-bin.mjs'), BINARY_SHIM);
  // The console's browser files, served as they are by <dist>/src/api/console.js.
  cpSync(join(ROOT, 'src', 'console'), join(distDir, 'src', 'console'), { recursive: true });
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  const out = resolve(at > 0 ? process.argv[at + 1]! : join(ROOT, 'dist', 'workflow-bundle.js'));
  const t0 = Date.now();
  // Both: the traced one (tracing interceptors inside) beside it, for a worker with OTEL_* set.
  Promise.all([buildWorkflowBundle(out), buildWorkflowBundle(tracedBundlePath(out), { traced: true })]).then(
    ([{ codePath, bytes }]) => {
      copyDataFiles(join(ROOT, 'dist'));
      console.log(`workflow bundle ${codePath} (${(bytes / 1024).toFixed(0)} KiB) in ${Date.now() - t0} ms`);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
