// What one request path and user agent are, for every behaviour at once: computed once per distinct raw path / user
// agent (bounded caches: probes and agents repeat), so the per-line cost of ordinary traffic stays a map lookup.
import type { DetectorConfig } from '../config/detection';
import { normalisePath } from './normalise-path';
import { createProbeMatcher, type ProbeMatch } from './probe-paths';
import { createScannerAgentMatcher } from './scanner-agents';
import { createSensitivePathMatcher } from './sensitive-paths';
import { decodedLower, matchTraversal, type TraversalMatch } from './traversal';

export interface PathInfo {
  normalised: string;
  /** Sensitive-file category (secrets scan). */
  sensitive?: string;
  traversal?: TraversalMatch;
  probe?: ProbeMatch;
  /** Images, scripts, styles, fonts: a missing one is a broken page, not a probe (as CrowdSec's static_ressource). */
  staticFile: boolean;
}

export interface AgentInfo {
  scanner?: string;
  /** An exploit payload carried in the user agent itself (log4shell and friends). */
  exploit?: ProbeMatch;
}

const STATIC_EXTENSIONS = new Set([
  'css', 'js', 'mjs', 'map', 'png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'svg', 'ico', 'bmp', 'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp4', 'webm', 'mp3', 'ogg', 'wav', 'txt',
]);

const isStatic = (p: string) => {
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  return dot > slash && STATIC_EXTENSIONS.has(p.slice(dot + 1).toLowerCase());
};

const CACHE_LIMIT = 20_000;
const MAX_PATH = 4096;

export interface Classifier {
  path(raw: string): PathInfo;
  agent(ua: string | undefined): AgentInfo;
  pathStatuses: ReadonlySet<number>;
  probingStatuses: ReadonlySet<number>;
}

export function createClassifier(cfg: DetectorConfig): Classifier {
  const sensitive = createSensitivePathMatcher(cfg.extraSensitivePaths);
  const agents = createScannerAgentMatcher(cfg.extraScannerUserAgents);
  const probes = createProbeMatcher();
  const paths = new Map<string, PathInfo>();
  const agentCache = new Map<string, AgentInfo>();
  const pathStatuses = new Set(cfg.statuses.paths.filter((s) => cfg.count404 || s !== 404));
  return {
    pathStatuses,
    probingStatuses: new Set(cfg.statuses.probing),
    path(raw) {
      let info = paths.get(raw);
      if (info) return info;
      const bounded = raw.length > MAX_PATH ? raw.slice(0, MAX_PATH) : raw;
      const normalised = normalisePath(bounded);
      const lower = normalised.toLowerCase();
      const rawLower = bounded.toLowerCase();
      const decoded = bounded.indexOf('%') >= 0 ? decodedLower(bounded) : rawLower;
      info = {
        normalised,
        sensitive: sensitive.matchNormalised(normalised)?.category,
        traversal: matchTraversal(rawLower, decoded),
        probe: probes(lower, decoded),
        staticFile: isStatic(normalised),
      };
      if (paths.size >= CACHE_LIMIT) paths.clear();
      paths.set(raw, info);
      return info;
    },
    agent(ua) {
      if (!ua) return {};
      let info = agentCache.get(ua);
      if (info) return info;
      const lower = ua.length > 1024 ? ua.slice(0, 1024).toLowerCase() : ua.toLowerCase();
      const exploit = lower.indexOf('${') >= 0 ? probes('', decodedLower(lower)) : undefined;
      info = { scanner: agents.match(ua), exploit: exploit?.kind === 'exploit' ? exploit : undefined };
      if (agentCache.size >= CACHE_LIMIT) agentCache.clear();
      agentCache.set(ua, info);
      return info;
    },
  };
}
