// User agents of secret scanners, vulnerability scanners and directory brute-forcers (case-insensitive substrings).
// Generic HTTP libraries (curl, python-requests, Go-http-client) are deliberately absent: too much legitimate use.

export const SCANNER_USER_AGENTS: readonly string[] = [
  'gitleaks', 'trufflehog', 'secretsniffer', 'secretfinder', 'git-dumper', 'gitdumper', 'dotgit',
  'nuclei', 'nikto', 'zgrab', 'masscan', 'sqlmap', 'wpscan', 'joomscan', 'dirbuster', 'gobuster', 'feroxbuster',
  'ffuf', 'fuzz faster u fool', 'wfuzz', 'dirsearch', 'dirb/', 'whatweb', 'nmap scripting engine', 'nmap nse',
  'acunetix', 'netsparker', 'openvas', 'qualys', 'nessus', 'arachni', 'skipfish', 'w3af', 'zmeu', 'jorgee',
  'l9explore', 'l9tcpid', 'leakix', 'httpx - open-source project', 'xray', 'fofa', 'censysinspect', 'expanse',
];

export interface ScannerAgentMatcher {
  /** The first scanner name found in the user agent, or undefined. */
  match(userAgent: string | undefined): string | undefined;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createScannerAgentMatcher(extra: string[] = []): ScannerAgentMatcher {
  const needles = [...SCANNER_USER_AGENTS, ...extra.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 1)];
  const re = new RegExp(needles.map(escapeRegExp).join('|'), 'i');
  // User agents repeat heavily in access logs; a bounded cache keeps the regex off the hot path.
  const cache = new Map<string, string | undefined>();
  return {
    match(userAgent) {
      if (!userAgent) return undefined;
      if (cache.has(userAgent)) return cache.get(userAgent);
      const m = re.exec(userAgent);
      const name = m ? m[0].toLowerCase() : undefined;
      if (cache.size >= 10_000) cache.clear();
      cache.set(userAgent, name);
      return name;
    },
  };
}
