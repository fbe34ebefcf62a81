// One access-log line in any supported format → a record. `auto` tells formats apart per line (a JSON object is
// Traefik JSON when it has Traefik's keys, otherwise an ECS document; anything else is Common Log Format), so a
// file whose format changed after a Traefik reconfiguration still reads.
import type { AccessLogFormat } from '../config/detection';
import type { CidrList } from './client-ip';
import { parseClfLine } from './clf';
import { fromEcsDocument, fromTraefikObject, fromTraefikObjectFiltered, parseTraefikLineFiltered, type ParseResult, type RecordPrefilter, type TraefikClientField } from './records';

export type LineResult = ParseResult | { ok: 'skipped' };

export interface LineParseOptions {
  format: AccessLogFormat;
  clientField: TraefikClientField;
  trustedProxies: CidrList;
}

const isTraefikObject = (o: Record<string, unknown>) => 'RequestPath' in o || 'DownstreamStatus' in o || 'ClientHost' in o;

function parseEcsLine(line: string, trusted: CidrList, wanted?: RecordPrefilter): LineResult {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  return ecsFiltered(doc, trusted, wanted);
}

/** ECS documents are rare enough (NDJSON exports) to resolve fully, then count as skipped when ordinary. */
function ecsFiltered(doc: unknown, trusted: CidrList, wanted?: RecordPrefilter): LineResult {
  const r = fromEcsDocument(doc, undefined, trusted);
  if (r.ok && wanted && !wanted(r.record.status, r.record.path, r.record.userAgent)) return { ok: 'skipped' };
  return r;
}

export function parseAccessLine(line: string, o: LineParseOptions, wanted?: RecordPrefilter): LineResult {
  const traefikOpts = { clientField: o.clientField, trustedProxies: o.trustedProxies };
  switch (o.format) {
    case 'traefik-json':
      return parseTraefikLineFiltered(line, traefikOpts, wanted ?? (() => true));
    case 'traefik-clf':
      return parseClfLine(line, { trustedProxies: o.trustedProxies }, wanted);
    case 'ecs-ndjson':
      return parseEcsLine(line, o.trustedProxies, wanted);
    case 'auto': {
      let i = 0;
      while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (line.charCodeAt(i) !== 123 /* { */) return parseClfLine(line, { trustedProxies: o.trustedProxies }, wanted);
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        return { ok: false, reason: 'invalid JSON' };
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'not a JSON object' };
      if (isTraefikObject(doc as Record<string, unknown>)) {
        return wanted ? fromTraefikObjectFiltered(doc, traefikOpts, wanted) : fromTraefikObject(doc, traefikOpts);
      }
      return ecsFiltered(doc, o.trustedProxies, wanted);
    }
  }
}
