// Change urls (issue 16): what may not reach a partner (credentials, API keys, format
// extensions), how strip mode cleans it, and urls derived from the catalogue's templates.
import { OPERATIONAL_EVENTS } from '../../core/operational-events';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  changeUrlProblems,
  DEFAULT_CHANGE_URL_POLICY,
  stripChangeUrl,
  type ChangeUrlPolicy,
} from '../../src/webhook/change-url-policy';
import { loadCatalog } from '../../src/catalog/catalog';
import { checkTemplates, deriveChangeUrl, type ChangeUrlRules } from '../../src/service/change-urls';
import { normalizeChange } from '../../src/service/publish-input';
import { testConfig } from '../helpers/config';

const policy = DEFAULT_CHANGE_URL_POLICY;
const strip: ChangeUrlPolicy = { ...policy, mode: 'strip' };
const catalog = loadCatalog(testConfig().eventCatalogPath);
const rules = (p = policy): ChangeUrlRules => ({
  apiBaseUrl: 'https://api.example.org/v2',
  policy: p,
  urlTemplate: (o) => catalog.urlTemplate(o),
});

void test('a url with an API key, user info or a format extension has problems, each named', () => {
  const issue = 'https://api.example.org/trainings/1001.json?api_key=SECRETKEY123';
  const problems = changeUrlProblems(issue, policy);
  assert.equal(problems.length, 2);
  assert.match(problems.join('\n'), /"api_key" looks like an API key/);
  assert.match(problems.join('\n'), /format extension "\.json"/);
  assert.match(changeUrlProblems('https://u:p@api.example.org/t/1', policy)[0]!, /credentials/);
  // The same name in another spelling or case is the same key.
  for (const name of ['API-Key', 'apiKey', 'TOKEN', 'access_token', 'Client-Secret', 'sig', 'auth']) {
    assert.equal(changeUrlProblems(`https://a.example/t/1?x=1&${name}=v`, policy).length, 1, name);
  }
  assert.equal(changeUrlProblems('https://a.example/t/1.XML', policy).length, 1);
});

void test('clean urls have no problems: other parameters, dots elsewhere, a host ending in .json', () => {
  for (const url of [
    'https://api.example.org/trainings/1001',
    'https://api.example.org/trainings/1001?page=2&monkey=1',
    'https://api.example.org/v1.2/trainings/1001',
    'https://api.example.json/trainings/1001',
    'https://api.example.org/files/report.json.v2',
    'https://api.example.org/trainings/1001#token=x',
  ]) {
    assert.deepEqual(changeUrlProblems(url, policy), [], url);
  }
});

void test('the lists are configurable', () => {
  const custom: ChangeUrlPolicy = { mode: 'reject', keyParams: ['ticket'], extensions: ['php'] };
  assert.equal(changeUrlProblems('https://a.example/x.json?api_key=1', custom).length, 0);
  assert.equal(changeUrlProblems('https://a.example/x.php?ticket=1', custom).length, 2);
});

void test('strip mode removes user info, key parameters and the extension, and keeps the rest as sent', () => {
  assert.equal(
    stripChangeUrl('https://api.example.org/trainings/1001.json?api_key=SECRETKEY123', strip),
    'https://api.example.org/trainings/1001',
  );
  assert.equal(
    stripChangeUrl('https://me:pw@api.example.org/t/7.xml?a=1%202&Token=x&b=c+d#frag', strip),
    'https://api.example.org/t/7?a=1%202&b=c+d#frag',
  );
  const clean = 'https://API.example.org/t/%7e7?b=2&a=1';
  assert.equal(stripChangeUrl(clean, strip), clean, 'a clean url is not rewritten');
});

void test('normalizeChange strips what a publisher sent in strip mode', () => {
  const change = normalizeChange(
    { action: 'update', object: 'training', id: 1001, url: 'https://x.example/trainings/1001.json?key=k' },
    rules(strip),
  );
  assert.equal(change.url, 'https://x.example/trainings/1001');
});

void test('derived urls follow the catalogue template; ids are percent-encoded, dots included', () => {
  assert.equal(deriveChangeUrl('training', 1001, rules()), 'https://api.example.org/v2/trainings/1001');
  assert.equal(deriveChangeUrl('person', 42, rules()), 'https://api.example.org/v2/people/42');
  assert.equal(deriveChangeUrl('category', 'c-1', rules()), 'https://api.example.org/v2/categories/c-1');
  assert.equal(
    deriveChangeUrl('institute', 'Zürich & Co/2024?x=1#y', rules()),
    'https://api.example.org/v2/institutes/Z%C3%BCrich%20%26%20Co%2F2024%3Fx%3D1%23y',
  );
  // A string id ending like a format extension does not become one.
  const dotted = deriveChangeUrl('training', 'summer.json', rules());
  assert.equal(dotted, 'https://api.example.org/v2/trainings/summer%2Ejson');
  assert.deepEqual(changeUrlProblems(dotted, policy), []);
  // Without a template: today's rule.
  assert.equal(deriveChangeUrl('widget', 'a b', rules()), 'https://api.example.org/v2/widgets/a%20b');
});

void test('the default catalogue gives a template to every object its events name', () => {
  // Operational events (subscription.disabled, delivery.failed …) are Herald's own and carry no url.
  const published = catalog.list().filter((e) => !(OPERATIONAL_EVENTS as readonly string[]).includes(e.name));
  const objects = new Set(published.map((e) => e.name.split('.')[0]!));
  for (const object of objects) {
    assert.ok(catalog.urlTemplate(object), `${object} has a url template`);
  }
  for (const { name, urlTemplate } of catalog.objects()) {
    assert.deepEqual(changeUrlProblems(deriveChangeUrl(name, 1, rules()), policy), [], urlTemplate);
  }
});

void test('a template that would add a format extension is refused at start', () => {
  assert.throws(
    () => checkTemplates([{ name: 'training', urlTemplate: '/trainings/{id}.json' }], rules()),
    /urlTemplate "\/trainings\/\{id\}\.json" of training .*format extension "\.json"/,
  );
  assert.doesNotThrow(() => checkTemplates(catalog.objects(), rules()));
});
