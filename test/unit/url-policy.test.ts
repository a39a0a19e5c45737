import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkSubscriptionUrl, isForbiddenAddress } from '../../src/webhook/url-policy';

void describe('isForbiddenAddress', () => {
  const forbidden = [
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '240.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fe80::1%eth0',
    'fd00::1',
    'fc00::5',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    '::ffff:7f00:1',
    '2002:7f00:1::1',
    '2001:0:4136:e378::1',
    '64:ff9b::a00:1',
    '2001:db8::1',
    'not-an-ip',
    '',
  ];
  for (const ip of forbidden)
    void test(`refuses ${ip || '(empty)'}`, () => assert.equal(isForbiddenAddress(ip), true));

  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '100.128.0.1',
    '172.32.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ];
  for (const ip of allowed) void test(`allows ${ip}`, () => assert.equal(isForbiddenAddress(ip), false));
});

void describe('checkSubscriptionUrl', () => {
  const strict = { allowInsecure: false };
  const loose = { allowInsecure: true };
  const refused = (url: string, opts = strict): string => {
    const r = checkSubscriptionUrl(url, opts);
    assert.equal(r.ok, false, `${url} should be refused`);
    return r.ok ? '' : r.reason;
  };

  void test('accepts public https on 443', () => {
    assert.deepEqual(checkSubscriptionUrl('https://hooks.example.com/in?x=1', strict), { ok: true });
    assert.deepEqual(checkSubscriptionUrl('https://hooks.example.com:443/in', strict), { ok: true });
    assert.deepEqual(checkSubscriptionUrl('https://8.8.8.8/in', strict), { ok: true });
  });

  void test('refuses relative, non-http and credential URLs, even when insecure is allowed', () => {
    assert.match(refused('/hook', loose), /absolute/);
    assert.match(refused('ftp://example.com/', loose), /scheme/);
    assert.match(refused('https://user:pw@example.com/', loose), /username or password/);
    assert.match(refused('https://user@example.com/', loose), /username or password/);
  });

  void test('without insecure URLs: https and port 443 only', () => {
    assert.match(refused('http://example.com/'), /https/);
    assert.match(refused('https://example.com:8443/'), /443/);
  });

  void test('without insecure URLs: forbidden literal addresses', () => {
    for (const url of [
      'https://127.0.0.1/',
      'https://10.0.0.1/',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://2130706433/', // 127.0.0.1 written as one number: URL normalises it
      'https://0x7f.1/',
    ]) {
      assert.match(refused(url), /not publicly routable/, url);
    }
  });

  void test('with insecure URLs: http, any port, loopback', () => {
    assert.deepEqual(checkSubscriptionUrl('http://127.0.0.1:8080/hook', loose), { ok: true });
    assert.deepEqual(checkSubscriptionUrl('https://[::1]:9000/', loose), { ok: true });
  });
});
