// The local Traefik access-log source (JSON or Common Log Format): follow the file, feed the detector, persist the
// cursor and the detector's buckets together under dataDir. State is committed only after the caller has handed the findings on (at-least-once:
// a failed submission re-reads the same bytes next run; the threat workflow merges the duplicate sighting).
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AccessLogFormat, DetectorConfig } from '../../domain/config/detection';
import { AccessLogDetector, type BehaviourFinding, type EngineState } from '../../domain/detection/engine';
import { parseCidrs } from '../../domain/detection/client-ip';
import { parseAccessLine } from '../../domain/detection/line-format';
import type { TraefikClientField } from '../../domain/detection/records';
import { readAppendedLines, type FileCursor, type FollowStats } from './file-follower';
import { readJsonState, withStateLock, writeJsonState } from './state-file';

export const FILE_SOURCE_ID = 'traefik-file';

export interface FileSourceOptions {
  file: string;
  dataDir: string;
  detector: DetectorConfig;
  clientField: TraefikClientField;
  format: AccessLogFormat;
  maxBytesPerRun: number;
  maxLineBytes: number;
}

interface FileSourceState {
  version: 1;
  file: string;
  cursor?: FileCursor;
  /** Version-1 states held the old per-window tallies: they are dropped (the cursor is kept). */
  detector?: EngineState | { version: 1 };
}

export interface FileScanStats extends FollowStats {
  file: string;
  /** Lines that were not a usable record (invalid JSON, no client, no time, ...), plus over-long ones. */
  malformed: number;
  malformedReasons: Record<string, number>;
  /** Usable lines (parsed, or skipped by the prefilter as ordinary traffic). */
  records: number;
  /** Lines that mattered to at least one behaviour. */
  counted: number;
  trackedClients: number;
  evictedClients: number;
}

export const fileStatePath = (dataDir: string, file: string) =>
  path.join(dataDir, 'detection', `file-${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 16)}.json`);

/**
 * One scan run. `deliver` gets the new findings; the cursor and detector state are saved only if it resolves.
 * Runs under a lock on the state file so overlapping runs (two workers) cannot double-read.
 */
export async function scanTraefikFile(
  o: FileSourceOptions, deliver: (findings: BehaviourFinding[]) => Promise<void>,
): Promise<{ findings: BehaviourFinding[]; stats: FileScanStats }> {
  const statePath = fileStatePath(o.dataDir, o.file);
  return withStateLock(statePath, async () => {
    const prev = await readJsonState<FileSourceState>(statePath);
    const state: FileSourceState = prev?.version === 1 && prev.file === path.resolve(o.file) ? prev : { version: 1, file: path.resolve(o.file) };
    const detector = new AccessLogDetector(o.detector, state.detector?.version === 2 ? state.detector : undefined);
    const parseOpts = { format: o.format, clientField: o.clientField, trustedProxies: parseCidrs(o.detector.trustedProxies) };
    const malformedReasons: Record<string, number> = {};
    let malformed = 0;
    const { cursor, stats } = await readAppendedLines(o.file, state.cursor, (line) => {
      if (line.trim() === '') return;
      const r = parseAccessLine(line, parseOpts, detector.wants);
      if (r.ok === 'skipped') detector.skip();
      else if (r.ok) detector.add(r.record);
      else {
        malformed++;
        malformedReasons[r.reason] = (malformedReasons[r.reason] ?? 0) + 1;
      }
    }, { maxBytes: o.maxBytesPerRun, maxLineBytes: o.maxLineBytes });
    if (stats.overlongLines) malformedReasons['line too long'] = stats.overlongLines;
    const findings = detector.collect();
    await deliver(findings);
    await writeJsonState(statePath, { version: 1, file: state.file, cursor, detector: detector.state() } satisfies FileSourceState);
    return {
      findings,
      stats: {
        ...stats, file: o.file, malformed: malformed + stats.overlongLines, malformedReasons, records: detector.stats.records,
        counted: detector.stats.counted, trackedClients: detector.trackedClients, evictedClients: detector.stats.evictedClients,
      },
    };
  });
}
