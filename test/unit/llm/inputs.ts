// Test inputs for the proposer: a realistic scanner threat, with hooks to place untrusted text anywhere.
import type { MergedEvidence, ProposeInput, ThreatIntel } from '../../../domain/types';

export const SCANNER_IP = '45.155.205.233';

export function evidenceFor(ip: string, over: Partial<MergedEvidence> = {}): MergedEvidence {
  return {
    ip,
    sightingCount: 2,
    firstSeen: '2026-11-22T15:00:00.000Z',
    lastSeen: '2026-11-22T15:01:00.000Z',
    sources: ['traefik-file'],
    maxScore: 96,
    direction: 'inbound',
    knownBad: true,
    likelyFalsePositive: false,
    requestCount: 40,
    paths: ['/.env', '/.git/config'],
    userAgents: ['python-requests/2.31'],
    statusCounts: { '404': 30, '403': 10 },
    narratives: [],
    recent: [],
    ...over,
  };
}

export function intelFor(ip: string, over: Partial<ThreatIntel> = {}): ThreatIntel {
  return {
    ip,
    compositeScore: 97,
    knownBad: true,
    likelyFalsePositive: false,
    confidence: 'high',
    org: 'AS213438 ColocaTel Inc.',
    asn: 'AS213438',
    country: 'NL',
    abuseScore: 100,
    abuseReports: 1873,
    otxPulses: 37,
    greynoise: { classification: 'malicious', noise: true, riot: false },
    providers: [{ provider: 'abuseipdb', status: 'ok' }],
    notes: [],
    ...over,
  };
}

export function proposeInput(ip = SCANNER_IP, over: Partial<ProposeInput> = {}): ProposeInput {
  return {
    ip,
    evidence: evidenceFor(ip),
    intel: intelFor(ip),
    history: { priorBlocks: 0 },
    bounds: { minHours: 1, maxHours: 168, ladderHours: [12, 24, 72, 168], repeatOffenderThreshold: 5 },
    ...over,
  };
}

export const llmConfig = (over: Record<string, unknown> = {}) => ({
  provider: 'anthropic' as const,
  model: 'claude-test',
  timeoutSeconds: 5,
  maxTokens: 600,
  temperature: 0,
  ...over,
});

export const answer = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ action: 'block', target: `${SCANNER_IP}/32`, duration_hours: 24, reason: 'mass scanner probing secrets', confidence: 0.9, recommend_permanent: false, notes: '', ...over });
