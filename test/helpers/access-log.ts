// Traefik JSON access-log lines of secrets scans, shaped to land on a chosen detector score (domain/detection/
// scoring.ts): "review" = nuclei + 12 distinct sensitive paths + 60 hits → 85 (between the analyse and auto bars);
// "auto" = nuclei + 30 paths + 240 hits → 95 or more (at the auto bar).
export type ScanStrength = 'review' | 'auto';

const SHAPES: Record<ScanStrength, { paths: number; hits: number }> = { review: { paths: 12, hits: 60 }, auto: { paths: 30, hits: 240 } };

/** One scan by `ip`, every line at `at` (so it falls in one detector window). */
export function scanLines(ip: string, strength: ScanStrength, at = Date.now()): string {
  const { paths, hits } = SHAPES[strength];
  const out: string[] = [];
  for (let i = 0; i < hits; i++) {
    out.push(JSON.stringify({
      ClientAddr: `${ip}:40000`, ClientHost: ip, DownstreamStatus: 404, RequestMethod: 'GET', RequestPath: `/backup-${i % paths}.sql`,
      RequestHost: 'shop.example.com', RouterName: 'shop@kubernetescrd', StartUTC: new Date(at).toISOString(),
      'request_User-Agent': 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))', level: 'info', msg: '',
    }));
  }
  return `${out.join('\n')}\n`;
}

/**
 * n distinct public addresses, each in its own /24 (the scan caps how many threats one /24 may open per run):
 * 45.<100+>.<1..250>.10, a hosting range that appears in scanner feeds and is never a special-purpose range.
 */
export const scannerIps = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => `45.${100 + Math.floor((i + offset) / 250)}.${((i + offset) % 250) + 1}.10`);
