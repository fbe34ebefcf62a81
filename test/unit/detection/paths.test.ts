import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalisePath } from '../../../domain/detection/normalise-path';
import { createSensitivePathMatcher } from '../../../domain/detection/sensitive-paths';
import { createScannerAgentMatcher } from '../../../domain/detection/scanner-agents';
import { clientFromForwardedList, canonicalIp, parseCidrs } from '../../../domain/detection/client-ip';

void describe('path normalisation', () => {
  const cases: [string, string][] = [
    ['/.env', '/.env'], ['/%2eenv', '/.env'], ['/%252e%252fenv', '/env'], ['/a/../.git/config', '/.git/config'],
    ['//.git///HEAD', '/.git/HEAD'], ['/.env?x=1#y', '/.env'], ['/%2e%2e/%2e%2e/etc/passwd', '/etc/passwd'],
    ['/.env%00.png', '/.env'], ['/.env;jsessionid=1', '/.env'], ['\\..\\.npmrc', '/.npmrc'], ['/100%', '/100%'],
    ['https://shop.example.com/.git/HEAD?x', '/.git/HEAD'], ['/static/./app.js', '/static/app.js'], ['/dir/', '/dir/'],
  ];
  for (const [raw, want] of cases) void test(`${raw} → ${want}`, () => assert.equal(normalisePath(raw), want));
});

void describe('sensitive-path matcher', () => {
  const m = createSensitivePathMatcher(['/internal/vault/*', '*.kdbx2', 'deploy-key']);
  const sensitive = ['/.env', '/app/.env', '/.env.production', '/.git/config', '/.git/HEAD', '/repo/.git/index', '/wp-config.php',
    '/config.xml', '/api/v1/secrets', '/api/v1/secrets/db', '/db.sql', '/backup.zip', '/site.bak', '/backup-2024-01-01.tar.gz',
    '/.aws/credentials', '/.npmrc', '/.docker/config.json', '/id_rsa', '/home/u/.ssh/id_ed25519', '/.ENV', '/terraform.tfstate',
    '/internal/vault/x', '/a.kdbx2', '/deploy-key', '/.kube/config', '/actuator/env'];
  const benign = ['/', '/login', '/api/auth/login', '/index.html', '/static/app.js', '/environment', '/products/backup-guide',
    '/api/v1/secretsanta', '/blog/.env-files-explained', '/images/sql.png', '/config', '/.well-known/security.txt'];
  for (const p of sensitive) void test(`sensitive: ${p}`, () => assert.ok(m.match(p).match, p));
  for (const p of benign) void test(`benign: ${p}`, () => assert.equal(m.match(p).match, undefined, p));
});

void describe('scanner user agents and client addresses', () => {
  void test('scanner names are found case-insensitively; browsers and curl are not scanners', () => {
    const m = createScannerAgentMatcher(['acme-audit']);
    assert.equal(m.match('Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))'), 'nuclei');
    assert.equal(m.match('TruffleHog'), 'trufflehog');
    assert.equal(m.match('Mozilla/5.00 (Nikto/2.5.0) (Evasions:None)'), 'nikto');
    assert.equal(m.match('ACME-Audit/1'), 'acme-audit');
    assert.equal(m.match('Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0'), undefined);
    assert.equal(m.match('curl/8.4.0'), undefined);
    assert.equal(m.match(undefined), undefined);
  });
  void test('X-Forwarded-For lists and odd address forms', () => {
    assert.equal(clientFromForwardedList('45.155.205.233'), '45.155.205.233');
    // Without a known peer the right-most entry stands in for it; private hops are not skipped unless trusted.
    assert.equal(clientFromForwardedList('1.1.1.1, 45.155.205.233, 10.0.0.5'), '10.0.0.5');
    assert.equal(clientFromForwardedList('1.1.1.1, 45.155.205.233, 10.0.0.5', parseCidrs(['10.0.0.0/8'])), '45.155.205.233');
    assert.equal(clientFromForwardedList('10.0.0.9, 10.0.0.5'), '10.0.0.5');
    assert.equal(clientFromForwardedList('garbage, 2a01:4f8::1'), '2a01:4f8::1');
    assert.equal(clientFromForwardedList('garbage'), undefined);
    assert.equal(canonicalIp('[2A01:4F8::1]:443'), '2a01:4f8::1');
    assert.equal(canonicalIp('45.155.205.233:8080'), '45.155.205.233');
    assert.equal(canonicalIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(canonicalIp('10.1'), undefined);
  });
});
