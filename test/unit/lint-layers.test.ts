// The one direction of dependencies (docs/architecture.md) is enforced by ESLint overrides in
// eslint.config.mjs: each test here lints a wrong import as if it were in the folder's file and
// expects the rule to refuse it, and a right one to pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });
const RULE = '@typescript-eslint/no-restricted-imports';
// Existing files' paths, so typed linting finds them in the project.
const as = {
  core: join(root, 'core', 'merge.ts'),
  workflows: join(root, 'workflows', 'messages.ts'),
  activities: join(root, 'activities', 'deliver.ts'),
  webhook: join(root, 'src', 'webhook', 'signing.ts'),
  service: join(root, 'src', 'service', 'deliveries.ts'),
  temporal: join(root, 'src', 'temporal', 'gateway.ts'),
  api: join(root, 'src', 'api', 'app.ts'),
};

async function refused(code: string, filePath: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.some((m) => m.ruleId === RULE);
}

describe('layer lint: one direction of dependencies', () => {
  it(
    'core/ imports nothing of the project but core/, and no Node built-ins',
    { timeout: 60_000 },
    async () => {
      assert.ok(
        await refused("import { loadConfig } from '../src/config';\nexport const c = loadConfig;\n", as.core),
      );
      assert.ok(
        await refused(
          "import { changesSignal } from '../workflows/messages';\nexport const s = changesSignal;\n",
          as.core,
        ),
      );
      assert.ok(
        await refused(
          "import type { Activities } from '../activities';\nexport type A = Activities;\n",
          as.core,
        ),
      );
      assert.ok(
        await refused("import { createHash } from 'node:crypto';\nexport const h = createHash;\n", as.core),
      );
      assert.ok(
        await refused(
          "import { proxyActivities } from '@temporalio/workflow';\nexport const p = proxyActivities;\n",
          as.core,
        ),
      );
      assert.ok(
        !(await refused("import type { Change } from './types';\nexport type C = Change;\n", as.core)),
      );
      assert.ok(
        !(await refused(
          "import type { RetryPolicy } from '@temporalio/common';\nexport type R = RetryPolicy;\n",
          as.core,
        )),
      );
    },
  );
  it('workflows/ import only core/ and workflows/, and types from activities/', async () => {
    assert.ok(
      await refused(
        "import type { HeraldConfig } from '../src/config';\nexport type H = HeraldConfig;\n",
        as.workflows,
      ),
    );
    assert.ok(
      await refused(
        "import { createActivities } from '../activities';\nexport const a = createActivities;\n",
        as.workflows,
      ),
    );
    assert.ok(
      !(await refused(
        "import type { Activities } from '../activities';\nexport type A = Activities;\n",
        as.workflows,
      )),
    );
    assert.ok(
      !(await refused(
        "import { mergeChange } from '../core/merge';\nexport const m = mergeChange;\n",
        as.workflows,
      )),
    );
  });
  it('activities/ import only core/ and src/webhook/', async () => {
    assert.ok(
      await refused(
        "import { deliveryWorkflow } from '../workflows/delivery';\nexport const d = deliveryWorkflow;\n",
        as.activities,
      ),
    );
    assert.ok(
      await refused(
        "import { loadConfig } from '../src/config';\nexport const c = loadConfig;\n",
        as.activities,
      ),
    );
    assert.ok(
      !(await refused(
        "import { buildHeaders } from '../src/webhook/signing';\nexport const b = buildHeaders;\n",
        as.activities,
      )),
    );
    assert.ok(
      !(await refused(
        "import type { Change } from '../core/types';\nexport type C = Change;\n",
        as.activities,
      )),
    );
  });
  it('src/webhook/ imports only core/', async () => {
    assert.ok(
      await refused("import { loadConfig } from '../config';\nexport const c = loadConfig;\n", as.webhook),
    );
    assert.ok(
      await refused(
        "import { notFound } from '../service/errors';\nexport const n = notFound;\n",
        as.webhook,
      ),
    );
    assert.ok(
      !(await refused(
        "import type { Change } from '../../core/types';\nexport type C = Change;\n",
        as.webhook,
      )),
    );
    assert.ok(
      !(await refused(
        "import { isForbiddenAddress } from './url-policy';\nexport const u = isForbiddenAddress;\n",
        as.webhook,
      )),
    );
  });
  it('src/service/ does not import src/api/ or Fastify', async () => {
    assert.ok(
      await refused("import { buildApp } from '../api/app';\nexport const b = buildApp;\n", as.service),
    );
    assert.ok(await refused("import Fastify from 'fastify';\nexport const f = Fastify;\n", as.service));
    assert.ok(
      !(await refused("import { notFound } from './errors';\nexport const n = notFound;\n", as.service)),
    );
  });
  it('src/service/ reaches Temporal only through src/temporal/', async () => {
    assert.ok(
      await refused("import { Client } from '@temporalio/client';\nexport const c = Client;\n", as.service),
    );
    assert.ok(
      await refused(
        "import type { Client } from '@temporalio/client';\nexport type C = Client;\n",
        as.service,
      ),
    );
    assert.ok(
      await refused(
        "import { statusQuery } from '../../workflows/messages';\nexport const q = statusQuery;\n",
        as.service,
      ),
    );
    assert.ok(
      !(await refused(
        "import { isNotFound } from '../temporal/gateway-errors';\nexport const n = isNotFound;\n",
        as.service,
      )),
    );
  });
  it('src/temporal/ does not import the services or the API that call it', async () => {
    assert.ok(
      await refused(
        "import { notFound } from '../service/errors';\nexport const n = notFound;\n",
        as.temporal,
      ),
    );
    assert.ok(
      await refused("import { buildApp } from '../api/app';\nexport const b = buildApp;\n", as.temporal),
    );
    assert.ok(
      !(await refused(
        "import { changesSignal } from '../../workflows/messages';\nexport const s = changesSignal;\n",
        as.temporal,
      )),
    );
  });
  it('src/api/ reaches workflows/ and activities/ only as types', async () => {
    assert.ok(
      await refused(
        "import { changesSignal } from '../../workflows/messages';\nexport const s = changesSignal;\n",
        as.api,
      ),
    );
    assert.ok(
      await refused(
        "import { createActivities } from '../../activities';\nexport const a = createActivities;\n",
        as.api,
      ),
    );
    assert.ok(
      !(await refused(
        "import type { Activities } from '../../activities';\nexport type A = Activities;\n",
        as.api,
      )),
    );
  });
});
