// Starts every intel fake with the recorded responses and builds a matching intel config.
import recorded from '../../fixtures/intel/recorded-responses.json';
import { intelSchema } from '../../../domain/config/intel';
import type { SecretRef } from '../../../domain/config';
import type { EnrichInput } from '../../../domain/types';
import { startFakeAbuseIpdb, type FakeAbuseIpdb } from '../../fakes/abuseipdb';
import { startFakeGreyNoise, type FakeGreyNoise } from '../../fakes/greynoise';
import { startFakeOtx } from '../../fakes/otx';
import { startFakeIpinfo, type FakeIpinfo } from '../../fakes/ipinfo';
import type { ScriptedServer } from '../../fakes/scripted-http';

export const REC = recorded as unknown as {
  abuseipdb: Record<string, { data: Record<string, unknown> }>;
  greynoise: Record<string, { status: number; body: unknown }>;
  otx: Record<string, unknown>;
  ipinfo: Record<string, unknown>;
  ipinfoLite: Record<string, unknown>;
};

export const KEYS: Record<string, string> = { ABUSEIPDB_API_KEY: 'abuse-key', GREYNOISE_API_KEY: 'gn-key', OTX_API_KEY: 'otx-key', IPINFO_TOKEN: 'ipinfo-token' };
export const readSecret = async (ref: SecretRef | undefined) => (ref?.env ? KEYS[ref.env] : undefined);

export interface IntelFakes {
  abuse: FakeAbuseIpdb;
  grey: FakeGreyNoise;
  otx: ScriptedServer;
  ipinfo: FakeIpinfo;
  close(): Promise<void>;
}

export async function startIntelFakes(opts: { abuseDailyLimit?: number } = {}): Promise<IntelFakes> {
  const abuse = await startFakeAbuseIpdb({ apiKey: 'abuse-key', records: REC.abuseipdb, dailyLimit: opts.abuseDailyLimit });
  const grey = await startFakeGreyNoise({ apiKey: 'gn-key', records: REC.greynoise });
  const otx = await startFakeOtx({ apiKey: 'otx-key', records: REC.otx });
  const ipinfo = await startFakeIpinfo({ token: 'ipinfo-token', standard: REC.ipinfo, lite: REC.ipinfoLite });
  return { abuse, grey, otx, ipinfo, close: async () => void (await Promise.all([abuse.close(), grey.close(), otx.close(), ipinfo.close()])) };
}

export function intelConfig(f: IntelFakes, over: Record<string, any> = {}) {
  return intelSchema.parse({
    abuseipdb: { enabled: true, baseUrl: f.abuse.url, timeoutSeconds: 2, ...(over.abuseipdb ?? {}) },
    greynoise: { enabled: true, baseUrl: f.grey.url, timeoutSeconds: 2, ...(over.greynoise ?? {}) },
    otx: { enabled: true, baseUrl: f.otx.url, timeoutSeconds: 2, ...(over.otx ?? {}) },
    ipinfo: { enabled: true, baseUrl: f.ipinfo.url, timeoutSeconds: 2, ...(over.ipinfo ?? {}) },
    ...Object.fromEntries(Object.entries(over).filter(([k]) => !['abuseipdb', 'greynoise', 'otx', 'ipinfo'].includes(k))),
  });
}

export function enrichInput(ip: string, over: Partial<EnrichInput['evidence']> = {}): EnrichInput {
  return {
    ip,
    evidence: {
      ip, sightingCount: 1, firstSeen: '2026-11-22T15:00:00.000Z', lastSeen: '2026-11-22T15:00:30.000Z', sources: ['traefik-file'],
      maxScore: 85, direction: 'inbound', knownBad: false, likelyFalsePositive: false, requestCount: 20, paths: ['/.env'],
      userAgents: ['curl/8'], statusCounts: { '404': 20 }, narratives: [], recent: [], ...over,
    },
  };
}

/** A loopback URL nothing listens on (a fresh ephemeral port, closed again): connection refused. */
export async function deadUrl(): Promise<string> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as import('node:net').AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** Fast retries for tests: Retry-After is still honoured exactly (it is what the test observes). */
export const fastHttp = (onRetry?: (i: { attempt: number; delayMs: number; reason: string }) => void) => ({ retries: 2, baseDelayMs: 10, maxRetryAfterMs: 5_000, onRetry });
