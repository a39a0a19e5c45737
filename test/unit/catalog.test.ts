import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { CatalogError, eventOf, loadCatalog, type CatalogEntry } from '../../src/catalog/catalog';
import { filterChange } from '../../src/catalog/filter';
import type { Change } from '../../core/types';

const DEFAULT_CATALOG = resolve(__dirname, '..', '..', 'config', 'events.json');

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'herald-catalog-')), 'events.json');
  writeFileSync(path, content);
  return path;
}

void describe('event catalogue', () => {
  const catalog = loadCatalog(DEFAULT_CATALOG);

  void test('the default catalogue holds training, institute and person events', () => {
    for (const name of [
      'training.import',
      'training.update',
      'training.destroy',
      'institute.import',
      'institute.update',
      'institute.destroy',
      'person.category_added',
    ]) {
      assert.ok(catalog.has(name), name);
    }
    const person = catalog.get('person.category_added')!;
    assert.ok(person.pii.includes('person.email') && person.pii.includes('person.firstName'));
    assert.ok(person.details.includes('category.description'));
    assert.equal(catalog.has('training.explode'), false);
    assert.equal(catalog.get('nope.nope'), undefined);
    assert.equal(catalog.list()[0]!.name, 'training.import');
  });

  void test('eventOf: explicit event, else object.action', () => {
    assert.equal(eventOf({ object: 'training', action: 'update' }), 'training.update');
    assert.equal(
      eventOf({ object: 'person', action: 'update', event: 'person.category_added' }),
      'person.category_added',
    );
  });

  void test('a bad file is refused with its name and the problem', () => {
    const notJson = tempFile('{ nope');
    assert.throws(
      () => loadCatalog(notJson),
      (e: unknown) => e instanceof CatalogError && e.message.includes(notJson),
    );
    const bad = tempFile(
      JSON.stringify({
        events: [
          { name: 'a.b', description: 'x', pii: ['ok.path'] },
          { name: 'a.b', description: 'x', pii: ['__proto__.x'] },
          { name: 'Bad', description: '' },
        ],
      }),
    );
    assert.throws(
      () => loadCatalog(bad),
      (e: unknown) =>
        e instanceof CatalogError &&
        e.message.includes(bad) &&
        /duplicate event a\.b/.test(e.message) &&
        /__proto__/.test(e.message) &&
        /events\.2\.name/.test(e.message),
    );
    assert.throws(() => loadCatalog(join(tmpdir(), 'does-not-exist.json')), /does-not-exist\.json/);
  });
});

void describe('filterChange', () => {
  const entry: CatalogEntry = {
    name: 'trainingparttrainer.changed',
    description: 'd',
    pii: ['person.email', 'person.name.last', 'trainers.email', 'groups.members.phone'],
    details: ['person.notes', 'category.description'],
  };
  const change = (): Change => ({
    action: 'update',
    object: 'trainingpart',
    id: 5,
    event: 'trainingparttrainer.changed',
    data: {
      person: { id: 1, email: 'a@example.com', name: { first: 'Ada', last: 'Lovelace' }, notes: 'likes tea' },
      category: { id: 3, description: 'VIP' },
      trainers: [
        { id: 1, email: 't1@example.com' },
        { id: 2, email: 't2@example.com' },
      ],
      groups: [{ members: [{ phone: '1', role: 'x' }, { phone: '2' }] }, { members: [] }],
      untouched: 'yes',
    },
  });

  void test('removes PII and details when neither is included, nested and in arrays', () => {
    const input = change();
    const snapshot = structuredClone(input);
    const out = filterChange(input, entry, { includePii: false, includeDetails: false });
    assert.deepEqual(out.data, {
      person: { id: 1, name: { first: 'Ada' } },
      category: { id: 3 },
      trainers: [{ id: 1 }, { id: 2 }],
      groups: [{ members: [{ role: 'x' }, {}] }, { members: [] }],
      untouched: 'yes',
    });
    assert.deepEqual(input, snapshot, 'the input is not mutated');
    assert.equal(out.event, 'trainingparttrainer.changed');
  });

  void test('includePii keeps personal data but still removes details', () => {
    const out = filterChange(change(), entry, { includePii: true, includeDetails: false });
    const data = out.data as { person: Record<string, unknown>; category: Record<string, unknown> };
    assert.equal(data.person.email, 'a@example.com');
    assert.deepEqual(data.person.name, { first: 'Ada', last: 'Lovelace' });
    assert.equal(data.person.notes, undefined);
    assert.equal(data.category.description, undefined);
  });

  void test('includeDetails keeps details but still removes personal data', () => {
    const out = filterChange(change(), entry, { includePii: false, includeDetails: true });
    const data = out.data as {
      person: Record<string, unknown>;
      category: Record<string, unknown>;
      trainers: object[];
    };
    assert.equal(data.person.notes, 'likes tea');
    assert.equal(data.category.description, 'VIP');
    assert.equal(data.person.email, undefined);
    assert.deepEqual(data.trainers, [{ id: 1 }, { id: 2 }]);
  });

  void test('both flags keep everything', () => {
    assert.deepEqual(filterChange(change(), entry, { includePii: true, includeDetails: true }), change());
  });

  void test('missing paths, non-object values, no data and unknown events are fine', () => {
    const odd: Change = {
      action: 'update',
      object: 'x',
      id: 1,
      data: { person: 'just a string', trainers: null },
    };
    assert.deepEqual(filterChange(odd, entry, { includePii: false, includeDetails: false }).data, odd.data);
    const noData: Change = { action: 'destroy', object: 'training', id: 1 };
    assert.deepEqual(filterChange(noData, entry, { includePii: false, includeDetails: false }), noData);
    assert.deepEqual(
      filterChange(change(), undefined, { includePii: false, includeDetails: false }),
      change(),
    );
  });

  void test('data whose every field is removed stays as {}', () => {
    const only: CatalogEntry = { name: 'a.b', description: 'd', pii: ['email'], details: [] };
    const out = filterChange({ action: 'update', object: 'a', id: 1, data: { email: 'x@y.z' } }, only, {
      includePii: false,
      includeDetails: false,
    });
    assert.deepEqual(out.data, {});
  });
});
