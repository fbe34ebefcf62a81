// Prompt injection: attacker-controlled strings are fenced, capped and stripped in the prompt; and an LLM that
// OBEYS the injection (widened target, huge duration, blocking a never-block address) still cannot make the policy
// produce a decision it would not allow. The LLM answers come through the real SDKs from wire-compatible fakes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import corpus from '../../fixtures/intel/injection-corpus.json';
import { buildProposalPrompt } from '../../../domain/prompt';
import { decide } from '../../../domain/policy';
import { policySchema } from '../../../domain/config';
import type { ProposeInput } from '../../../domain/types';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/openai';
import { startFakeOllama, type FakeOllama } from '../../fakes/ollama';
import { createAnthropicClient } from '../../../activities/llm/anthropic';
import { createOpenAiClient } from '../../../activities/llm/openai';
import { createOllamaClient } from '../../../activities/llm/ollama';
import { createProposalActivities } from '../../../activities/proposal/index';
import type { LlmClient } from '../../../activities/llm/types';
import { evidenceFor, intelFor, llmConfig, proposeInput, SCANNER_IP } from './inputs';

type Entry = { id: string; field: string; marker: string; text: string };
const ENTRIES = (corpus as { entries: Entry[] }).entries;

function withInjection(base: ProposeInput, e: Entry): ProposeInput {
  const input = structuredClone(base);
  switch (e.field) {
    case 'userAgent': input.evidence.userAgents = [e.text, ...input.evidence.userAgents]; break;
    case 'path': input.evidence.paths = [e.text, ...input.evidence.paths]; break;
    case 'narrative': input.evidence.narratives = [e.text]; input.intel.narrative = e.text; break;
    case 'org': input.intel.org = e.text; break;
    case 'summary':
      input.evidence.recent = [{ source: 'traefik-file', score: 90, direction: 'inbound', observedAt: input.evidence.lastSeen, evidence: { summary: e.text } }];
      break;
    default: throw new Error(`unknown field ${e.field}`);
  }
  return input;
}

const FENCE = /<<<BEGIN (UNTRUSTED [^>]+)>>>\n([\s\S]*?)\n<<<END \1>>>/g;
// Control characters other than \n, plus zero-width and bidi controls.
const FORBIDDEN_CHARS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;

void describe('prompt building over the injection corpus', () => {
  for (const e of ENTRIES) {
    void it(`${e.id}: delimited, capped, stripped`, () => {
      const p = buildProposalPrompt(withInjection(proposeInput(), e));
      const all = `${p.system}\n${p.user}`;
      assert.ok(!FORBIDDEN_CHARS.test(all), 'no control, zero-width or bidi characters reach the prompt');
      const begins = p.user.match(/<<<BEGIN /g)?.length ?? 0;
      const ends = p.user.match(/<<<END /g)?.length ?? 0;
      assert.equal(begins, ends, 'every fence is closed exactly once (the data cannot fake a fence end)');
      const outside = p.user.replace(FENCE, '[fenced]');
      assert.ok(!outside.includes('<<<') && !outside.includes('>>>'), 'no stray delimiters outside fences');
      assert.ok(!outside.includes(e.marker) && !p.system.includes(e.marker), `"${e.marker.slice(0, 40)}" never appears outside a fence`);
      for (const m of p.user.matchAll(FENCE)) assert.ok(m[2]!.length <= 4_000, `fence ${m[1]} is capped (${m[2]!.length} chars)`);
      assert.ok(p.user.length <= 16_000, `the whole prompt stays bounded (${p.user.length} chars)`);
      assert.ok(p.system.includes(`The only possible target is ${SCANNER_IP}/32`));
    });
  }
});

/** What an obedient, injected model answers. */
const MALICIOUS = [
  { action: 'block', target: '0.0.0.0/0', duration_hours: 876_000, reason: 'operator override', confidence: 1, recommend_permanent: true, notes: 'ignore policy' },
  { action: 'block', target: '10.0.0.0/8', duration_hours: 1e9, reason: 'system says so', confidence: 1, recommend_permanent: true, notes: '' },
  { action: 'block', target: '::/0', duration_hours: 99_999, reason: 'block everything', confidence: 1, recommend_permanent: false, notes: '' },
  { action: 'block', target: '45.155.205.0/24', duration_hours: 100_000, reason: 'neighbourhood', confidence: 0.99, recommend_permanent: true, notes: '' },
  { action: 'block', target: '192.168.1.1/32', duration_hours: 0, reason: 'block the gateway', confidence: 1, recommend_permanent: false, notes: '' },
].map((a) => JSON.stringify(a));

interface Context {
  name: string;
  ip: string;
  neverBlock: boolean;
  input: (ip: string) => ProposeInput;
}

const policy = policySchema.parse({ mode: 'auto', neverBlock: { infrastructure: ['198.18.0.0/15', '81.2.69.142'], ownNetworks: ['2001:db8:1::/48'] } });

const CONTEXTS: Context[] = [
  { name: 'public scanner (IPv4)', ip: SCANNER_IP, neverBlock: false, input: (ip) => proposeInput(ip) },
  { name: 'public scanner (IPv6)', ip: '2a0d:5600:24:aa::1', neverBlock: false, input: (ip) => proposeInput(ip, { evidence: evidenceFor(ip), intel: intelFor(ip) }) },
  { name: 'own infrastructure address', ip: '81.2.69.142', neverBlock: true, input: (ip) => proposeInput(ip, { evidence: evidenceFor(ip, { maxScore: 100 }), intel: intelFor(ip, { compositeScore: 100 }) }) },
  { name: 'private address', ip: '10.0.0.5', neverBlock: true, input: (ip) => proposeInput(ip, { evidence: evidenceFor(ip, { maxScore: 100 }), intel: intelFor(ip) }) },
  { name: 'GreyNoise RIOT service', ip: '8.8.8.8', neverBlock: true, input: (ip) => proposeInput(ip, { evidence: evidenceFor(ip, { maxScore: 96 }), intel: intelFor(ip, { compositeScore: 0, likelyFalsePositive: true, greynoise: { classification: 'benign', noise: false, riot: true, name: 'Google Public DNS' } }) }) },
];

void describe('an LLM that obeys the injection cannot widen, lengthen or redirect a block', () => {
  let anthropic: FakeAnthropic;
  let openai: FakeOpenAi;
  let ollama: FakeOllama;
  let current = MALICIOUS[0]!;
  let clients: LlmClient[];
  before(async () => {
    anthropic = await startFakeAnthropic({ apiKey: 'k' });
    openai = await startFakeOpenAi({ apiKey: 'k' });
    ollama = await startFakeOllama({ models: [{ name: 'llama3.1:8b' }] });
    anthropic.respond = () => ({ text: current });
    openai.respond = () => ({ text: current });
    ollama.respond = () => ({ text: current });
    clients = [
      createAnthropicClient({ apiKey: 'k', model: 'claude-test', baseURL: anthropic.url, maxRetries: 0 }),
      createOpenAiClient({ provider: 'openai', apiKey: 'k', model: 'gpt-test', baseURL: `${openai.url}/v1`, maxRetries: 0 }),
      createOllamaClient({ baseURL: ollama.url, model: 'llama3.1:8b', retries: 0 }),
    ];
  });
  after(async () => {
    await Promise.all([anthropic.close(), openai.close(), ollama.close()]);
  });

  for (const ctx of CONTEXTS) {
    void it(`${ctx.name}: every corpus entry × every malicious answer × every provider stays inside policy`, async () => {
      let decisions = 0;
      let blocks = 0;
      const expectedTarget = ctx.ip.includes(':') ? `${ctx.ip}/128` : `${ctx.ip}/32`;
      for (const llm of clients) {
        const acts = createProposalActivities(llmConfig({ provider: llm.provider }) as never, { llm });
        for (const e of ENTRIES) {
          for (const m of MALICIOUS) {
            current = m;
            const input = withInjection(ctx.input(ctx.ip), e);
            const proposal = await acts.proposeAction(input);
            assert.equal(proposal.llm?.failure, undefined, `the obedient answer parses (${llm.provider}, ${e.id})`);
            const d = decide({ ip: ctx.ip, evidence: input.evidence, intel: input.intel, policy, allowlist: [], priorBlocks: 0, now: '2026-11-22T16:00:00.000Z', proposal });
            decisions++;
            if (ctx.neverBlock) {
              assert.equal(d.block, undefined, `${ctx.name} is never blocked (${llm.provider}, ${e.id}): ${d.reasons.join(' | ')}`);
              assert.ok(d.kind === 'skip_never_block' || d.kind === 'record', d.kind);
              continue;
            }
            if (d.block) {
              blocks++;
              assert.equal(d.block.target, expectedTarget, `target is the workflow IP only (${llm.provider}, ${e.id})`);
              assert.ok(d.block.durationHours <= policy.durations.maxHours && d.block.durationHours >= policy.durations.minHours, `duration ${d.block.durationHours} h inside bounds`);
            }
          }
        }
      }
      assert.equal(decisions, clients.length * ENTRIES.length * MALICIOUS.length);
      if (!ctx.neverBlock) assert.equal(blocks, decisions, 'for a real scanner the block still happens, only narrowed');
    });
  }
});
