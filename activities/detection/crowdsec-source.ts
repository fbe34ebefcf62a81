// Polls a CrowdSec Local API's bouncer decision stream. The first run asks for every active decision (startup=true);
// later runs get what changed since the previous pull (the LAPI keeps that cursor per bouncer). Decision ids already
// handed on are remembered (bounded) under dataDir, so a restart, a re-registered bouncer or a replayed stream never
// submits a decision twice; deletions are counted, not acted on (a block Palisade holds has its own lifetime). A LAPI
// that is down or refuses the key is reported in the summary, never thrown: the next run simply tries again.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DetectionConfig } from '../../domain/config/detection';
import { crowdsecStreamSchema, decisionToSighting } from '../../domain/detection/crowdsec';
import type { Sighting } from '../../domain/types';
import { readJsonState, withStateLock, writeJsonState } from './state-file';

export const CROWDSEC_SOURCE_ID = 'crowdsec';
const MAX_REMEMBERED = 20_000;

interface CrowdSecState {
  version: 1;
  /** The stream was read with startup=true once (later pulls are deltas). */
  started: boolean;
  /** Decision ids already handed on, oldest first. */
  seen: number[];
}

export interface CrowdSecPollStats {
  url: string;
  /** "ok", or why the LAPI could not be read (unreachable, key refused, bad answer). */
  health: string;
  newDecisions: number;
  alreadySeen: number;
  deleted: number;
  ignored: string[];
}

export const crowdsecStatePath = (dataDir: string, url: string) =>
  path.join(dataDir, 'detection', `crowdsec-${createHash('sha256').update(url).digest('hex').slice(0, 16)}.json`);

export interface CrowdSecPollOptions {
  config: DetectionConfig['crowdsec'];
  apiKey: string;
  dataDir: string;
  now: () => number;
}

/** One poll. `deliver` gets the sightings; the remembered ids are saved only if it resolves. */
export async function pollCrowdSec(
  o: CrowdSecPollOptions, deliver: (sightings: { ip: string; sighting: Sighting }[]) => Promise<void>,
): Promise<CrowdSecPollStats> {
  const url = o.config.url!.replace(/\/+$/, '');
  const statePath = crowdsecStatePath(o.dataDir, url);
  return withStateLock(statePath, async () => {
    const prev = await readJsonState<CrowdSecState>(statePath);
    const state: CrowdSecState = prev?.version === 1 ? prev : { version: 1, started: false, seen: [] };
    const stats: CrowdSecPollStats = { url, health: 'ok', newDecisions: 0, alreadySeen: 0, deleted: 0, ignored: [] };
    let body: unknown;
    try {
      const res = await fetch(`${url}/v1/decisions/stream${state.started ? '' : '?startup=true'}`, {
        headers: { 'X-Api-Key': o.apiKey, 'User-Agent': 'palisade' }, signal: AbortSignal.timeout(o.config.requestTimeoutSeconds * 1000),
      });
      if (res.status === 403 || res.status === 401) return { ...stats, health: `CrowdSec LAPI at ${url} refused the bouncer key (HTTP ${res.status})` };
      if (!res.ok) return { ...stats, health: `CrowdSec LAPI at ${url} answered HTTP ${res.status}` };
      body = await res.json();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${o.config.requestTimeoutSeconds} s` : e.cause?.code ?? e.cause?.message ?? e.message;
      return { ...stats, health: `CrowdSec LAPI at ${url} unreachable: ${String(why).slice(0, 200)}` };
    }
    const parsed = crowdsecStreamSchema.safeParse(body);
    if (!parsed.success) return { ...stats, health: `CrowdSec LAPI at ${url} sent an answer that is not a decision stream` };
    const seen = new Set(state.seen);
    const out: { ip: string; sighting: Sighting }[] = [];
    const observedAt = new Date(o.now()).toISOString();
    for (const d of parsed.data.new ?? []) {
      if (seen.has(d.id)) {
        stats.alreadySeen++;
        continue;
      }
      seen.add(d.id);
      state.seen.push(d.id);
      const r = decisionToSighting(d, observedAt, o.config.includeCommunityBlocklist);
      if (r.kind === 'sighting') out.push({ ip: r.ip, sighting: r.sighting });
      else if (stats.ignored.length < 20) stats.ignored.push(r.reason);
    }
    stats.newDecisions = out.length;
    stats.deleted = parsed.data.deleted?.length ?? 0;
    await deliver(out);
    await writeJsonState(statePath, { version: 1, started: true, seen: state.seen.slice(-MAX_REMEMBERED) } satisfies CrowdSecState);
    return stats;
  });
}
