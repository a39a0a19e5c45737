// The ESLint override on workflows/** keeps workflow code deterministic: Node built-ins and
// value imports from src/ or activities/ fail lint; type imports pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });
// An existing workflow file's path, so typed linting finds it in the project.
const asWorkflow = join(root, 'workflows', 'messages.ts');
const asSrc = join(root, 'src', 'config.ts');

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('workflow determinism lint', () => {
  it('fails on a Node built-in in workflows/', { timeout: 60_000 }, async () => {
    const ids = await ruleIds(
      "import fs from 'node:fs';\nexport const x = fs.existsSync('a');\n",
      asWorkflow,
    );
    assert.ok(ids.includes('@typescript-eslint/no-restricted-imports'), ids.join(', '));
    const bare = await ruleIds(
      "import { randomUUID } from 'crypto';\nexport const y = randomUUID();\n",
      asWorkflow,
    );
    assert.ok(bare.includes('@typescript-eslint/no-restricted-imports'), bare.join(', '));
  });
  it('fails on a value import from src/ or activities/ in workflows/', async () => {
    const ids = await ruleIds(
      "import { loadConfig } from '../src/config';\nexport const c = loadConfig;\n",
      asWorkflow,
    );
    assert.ok(ids.includes('@typescript-eslint/no-restricted-imports'), ids.join(', '));
    const act = await ruleIds(
      "import { createActivities } from '../activities';\nexport const a = createActivities;\n",
      asWorkflow,
    );
    assert.ok(act.includes('@typescript-eslint/no-restricted-imports'), act.join(', '));
  });
  it('allows type imports in workflows/ and built-ins elsewhere', async () => {
    const typeOnly = await ruleIds(
      "import type { Activities } from '../activities';\nexport type A = Activities;\n",
      asWorkflow,
    );
    assert.ok(!typeOnly.includes('@typescript-eslint/no-restricted-imports'), typeOnly.join(', '));
    const inSrc = await ruleIds("import fs from 'node:fs';\nexport const x = fs.existsSync('a');\n", asSrc);
    assert.ok(!inSrc.includes('@typescript-eslint/no-restricted-imports'), inSrc.join(', '));
  });
});
