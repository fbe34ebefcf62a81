// Adversarial inputs for every parser of attacker-controlled text (issue 11, finding 4), sized by the caller. Shared
// by parser-linearity.test.ts and the worker that times them (a worker can be terminated mid-regex; a test cannot).
import { parseLlmAnswer, stripCodeFence, extractJsonObject } from '../../../domain/proposal-parse';
import { parseTraefikLine, parseTraefikLineFiltered, fromEcsDocument } from '../../../domain/detection/records';
import { clientFromForwardedList, canonicalIp, parseCidrs, resolveClient } from '../../../domain/detection/client-ip';
import { normalisePath } from '../../../domain/detection/normalise-path';
import { createWindowClassifier } from '../../../domain/detection/detector';
import { createClassifier } from '../../../domain/detection/classify';
import { parseClfLine } from '../../../domain/detection/clf';
import { parseAccessLine } from '../../../domain/detection/line-format';
import { detectorSchema } from '../../../domain/config/detection';
import { guardFollowUpQuery } from '../../../domain/detection/query-guard';
import { exprFromGeneratorUrl, icingaTime, normaliseAlertmanager, normaliseIcinga, parseLenientJson } from '../../../domain/alert-payloads';
import { diagnosticQueries, promString } from '../../../domain/alerts';
import { escapeHtml, fenceUntrusted, sanitizeForDiscord, sanitizeUntrusted, sanitizeUntrustedBlock, shellSingleQuoted, phpSingleQuoted } from '../../../domain/sanitize';
import { normaliseIp } from '../../../domain/ip';
import { verifyApprovalLink } from '../../../runtime/signed-links';
import { bearerToken } from '../../../api/auth';

/** Sanitizers cap their output; the cap is lifted so that the whole input is processed. */
const NO_CAP = 4 * 1024 * 1024;
const classifier = createWindowClassifier(detectorSchema.parse({}));
/** The access-log detector's classifier (sensitive paths, traversal, admin/CVE probes, scanner agents). */
const behaviours = createClassifier(detectorSchema.parse({}));
const clf = (path: string, ua = '-', host = '45.155.205.233') => `${host} - - [22/Nov/2026:10:00:00 +0000] "GET ${path} HTTP/1.1" 404 1 "-" "${ua}" 1 "r@docker" "http://s" 1ms`;
const everyoneTrusted = parseCidrs(['0.0.0.0/0', '::/0']);
/** `unit` repeated to about `bytes` characters, between an optional head and tail. */
const pump = (bytes: number, unit: string, head = '', tail = '') => head + unit.repeat(Math.max(1, Math.floor(bytes / unit.length))) + tail;
const traefik = (o: Record<string, unknown>) => JSON.stringify({ ClientAddr: '45.155.205.233:1', ClientHost: '45.155.205.233', StartUTC: '2026-11-22T10:00:00Z', DownstreamStatus: 404, RequestPath: '/.env', ...o });
const limits = { index: 'traefik-*', timeField: '@timestamp', from: '2026-11-22T09:00:00Z', to: '2026-11-22T10:00:00Z', maxSize: 100 };

export interface ParserCase {
  name: string;
  build: (bytes: number) => unknown;
  run: (input: any) => unknown;
}

export const PARSER_CASES: ParserCase[] = [
  // LLM answers (proposals, follow-up answers and alert diagnoses all go through stripCodeFence / extractJsonObject).
  { name: 'LLM answer: "```json" + spaces (the confirmed stall)', build: (n) => pump(n, ' ', '```json'), run: parseLlmAnswer },
  { name: 'LLM answer: fence + newlines, no closing fence', build: (n) => pump(n, '\n', '```json', 'x'), run: parseLlmAnswer },
  { name: 'LLM answer: fence + spaces + fence', build: (n) => pump(n, ' \n', '```json', '``'), run: stripCodeFence },
  { name: 'LLM answer: unbalanced braces', build: (n) => pump(n, '{'), run: parseLlmAnswer },
  { name: 'LLM answer: many small malformed objects', build: (n) => pump(n, '{"a":}'), run: parseLlmAnswer },
  { name: 'LLM answer: open string full of escapes', build: (n) => pump(n, '\\"', '{"reason":"'), run: (t: string) => extractJsonObject(t) },
  // Access-log lines and documents.
  { name: 'Traefik line: huge X-Forwarded-For through trusted hops', build: (n) => traefik({ ClientHost: pump(n, '10.0.0.1, ') }), run: (l: string) => parseTraefikLine(l, { clientField: 'ClientHost', trustedProxies: everyoneTrusted }) },
  { name: 'Traefik line: X-Forwarded-For of separators', build: (n) => traefik({ ClientHost: pump(n, ' ,') }), run: (l: string) => parseTraefikLine(l, { clientField: 'ClientHost', trustedProxies: [] }) },
  { name: 'Traefik line (prefiltered): encoded dot segments and a scanner near-miss agent', build: (n) => traefik({ RequestPath: pump(n / 2, '%252e%252e/'), 'request_User-Agent': pump(n / 2, 'nucle') }), run: (l: string) => parseTraefikLineFiltered(l, { clientField: 'ClientHost', trustedProxies: [] }, (_s, p, ua) => classifier.paths.match(p).match !== undefined || classifier.agents.match(ua) !== undefined) },
  { name: 'ECS document: forwarded_ip array', build: (n) => ({ '@timestamp': '2026-11-22T10:00:00Z', source: { ip: '10.0.0.1' }, network: { forwarded_ip: Array.from({ length: Math.floor(n / 10) }, () => '10.0.0.2') }, http: { response: { status_code: 404 } }, url: { path: '/.env' } }), run: (d: unknown) => fromEcsDocument(d, undefined, everyoneTrusted) },
  { name: 'CLF line: request full of `" ` and status-like tokens', build: (n) => clf(pump(n / 2, '" 40 " x'), pump(n / 2, '" "')), run: (l: string) => parseClfLine(l, { trustedProxies: [] }) },
  { name: 'CLF line: huge X-Forwarded-For ClientHost through trusted hops', build: (n) => clf('/.env', '-', pump(n, '10.0.0.1, ', '', '10.0.0.1')), run: (l: string) => parseClfLine(l, { trustedProxies: everyoneTrusted }) },
  { name: 'CLF line: no closing bracket, no quotes', build: (n) => pump(n, ' - [', '1.2.3.4'), run: (l: string) => parseAccessLine(l, { format: 'auto', clientField: 'ClientHost', trustedProxies: [] }) },
  // Addresses.
  { name: 'XFF list walked by resolveClient', build: (n) => pump(n, '2001:db8::1,'), run: (l: string) => resolveClient('10.0.0.1', l, everyoneTrusted) },
  { name: 'XFF list, unknown peer', build: (n) => pump(n, ',', '1.2.3.4'), run: (l: string) => clientFromForwardedList(l) },
  { name: 'address: bracket without close', build: (n) => pump(n, ':', '['), run: canonicalIp },
  { name: 'address: quotes and spaces', build: (n) => pump(n, ' ', '"', '"x'), run: canonicalIp },
  { name: 'normaliseIp: oversized input', build: (n) => pump(n, ':', '['), run: normaliseIp },
  // Paths and user agents.
  { name: 'path: dot segments', build: (n) => pump(n, '/./..'), run: (p: string) => classifier.paths.match(p) },
  { name: 'path: stray percent signs', build: (n) => pump(n, '%%2'), run: normalisePath },
  { name: 'path: scheme-like prefix without "//"', build: (n) => pump(n, 'a', 'h', ':x'), run: normalisePath },
  { name: 'path: ;params and backslashes', build: (n) => pump(n, ';\\'), run: (p: string) => classifier.paths.match(p) },
  { name: 'path: backup-like basename near-miss', build: (n) => pump(n, '-a.', '/backup', 'zipx'), run: (p: string) => classifier.paths.match(p) },
  { name: 'path: .env-like basename near-miss', build: (n) => pump(n, 'a', '/.env.', '!'), run: (p: string) => classifier.paths.match(p) },
  { name: 'user agent: scanner-name near misses', build: (n) => pump(n, 'nucle'), run: (ua: string) => classifier.agents.match(ua) },
  { name: 'behaviour classifier: traversal and encoded dot-dots', build: (n) => pump(n, '%25%2e%2e%5c..;/', '/', '/etc/passw'), run: (p: string) => behaviours.path(p) },
  { name: 'behaviour classifier: exploit-needle near misses', build: (n) => pump(n, '${jnd${::-', '/?x='), run: (p: string) => behaviours.path(p) },
  { name: 'behaviour classifier: log4shell-like user agent', build: (n) => pump(n, '${${lower:j}'), run: (ua: string) => behaviours.agent(ua) },
  // Alerts, PromQL and the follow-up query guard.
  { name: 'Alertmanager generatorURL with a huge expression', build: (n) => pump(n, '%2B+', 'http://prom/graph?g0.expr='), run: exprFromGeneratorUrl },
  { name: 'Alertmanager notification: huge labels and annotations', build: (n) => ({ version: '4', status: 'firing', receiver: 'x', groupKey: 'k', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '', alerts: [{ status: 'firing', fingerprint: 'abc', labels: { alertname: pump(n / 2, '"\\'), instance: pump(n / 4, 'a.') }, annotations: { summary: pump(n / 4, '<@1>') }, startsAt: '2026-11-22T10:00:00Z', endsAt: '', generatorURL: '' }] }), run: (p: any) => diagnosticQueries(normaliseAlertmanager(p, { ipLabels: ['src_ip'], receivedAt: '2026-11-22T10:00:00Z' })[0], 5) },
  { name: 'Icinga time: date then spaces', build: (n) => pump(n, ' ', '2026-01-02 15:04:05', 'x'), run: icingaTime },
  { name: 'Icinga notification: huge host and output', build: (n) => ({ notification_type: 'PROBLEM', host: pump(n / 2, '.*'), state: 'CRITICAL', output: pump(n / 2, '\n') }), run: (p: any) => diagnosticQueries(normaliseIcinga(p, { ipLabels: [], receivedAt: '2026-11-22T10:00:00Z' }), 5) },
  { name: 'Icinga lenient JSON: raw control characters in strings', build: (n) => pump(n, '\n\t', '{"output":"', '"}'), run: parseLenientJson },
  { name: 'PromQL string literal', build: (n) => pump(n, '\\"\n'), run: promString },
  { name: 'follow-up query guard: long timestamps and wildcards', build: (n) => ({ query: { bool: { filter: [{ range: { '@timestamp': { gte: pump(n / 2, '1', '2026-11-22T', 'x') } } }, { wildcard: { 'url.path': pump(n / 2, '*') } }] } } }), run: (q: unknown) => guardFollowUpQuery(q, limits) },
  { name: 'follow-up query guard: "script" keys with whitespace', build: (n) => ({ query: { match_all: {} }, aggs: { a: { terms: { field: pump(n, ' ', '"script"') } } } }), run: (q: unknown) => guardFollowUpQuery(q, limits) },
  // Sanitizers (prompt, Discord, HTML, shell, PHP).
  { name: 'sanitizer: whitespace runs', build: (n) => pump(n, ' \r\n\t'), run: (t: string) => sanitizeUntrusted(t, NO_CAP) },
  { name: 'sanitizer: newline runs in a block', build: (n) => pump(n, '\n\n\nx'), run: (t: string) => sanitizeUntrustedBlock(t, NO_CAP) },
  { name: 'sanitizer: fence markers', build: (n) => pump(n, '<<<>>'), run: (t: string) => fenceUntrusted('paths', t, NO_CAP) },
  { name: 'sanitizer: Discord mentions and Markdown', build: (n) => pump(n, '<@!1[x](y)`'), run: (t: string) => sanitizeForDiscord(t, NO_CAP) },
  { name: 'sanitizer: HTML, shell and PHP quoting', build: (n) => pump(n, `<'"&\\`), run: (t: string) => [escapeHtml(t, NO_CAP), shellSingleQuoted(t, NO_CAP), phpSingleQuoted(t, NO_CAP)] },
  // Credentials presented by callers.
  { name: 'signed link token', build: (n) => pump(n, 'A', 'pl1.', '.'), run: (t: string) => verifyApprovalLink('k'.repeat(32), t) },
  { name: 'bearer header', build: (n) => pump(n, ' ', 'Bearer ', 'x y'), run: bearerToken },
];
