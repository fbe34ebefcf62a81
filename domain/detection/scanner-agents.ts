// The maintained list of scanner user agents (case-insensitive substrings), each with where it comes from.
// Sources:
//   [cs]   CrowdSec hub data `bad_user_agents.txt` (crowdsecurity/http-bad-user-agent), as shipped in Debian's
//          crowdsec 1.4.6 under /usr/share/crowdsec/data (itself from Mitchell Krog's bad-bot list);
//   [tool] the tool's own default User-Agent string (its source or documentation);
//   [seen] observed in the wild on honeypots and in the issue-12 corpus of recorded attacks.
// Only scanners, brute-forcers and exploitation tools are listed. Generic HTTP libraries (curl, python-requests,
// Go-http-client) and SEO crawlers from the CrowdSec list are deliberately absent: too much legitimate use.

export const SCANNER_USER_AGENTS: readonly { needle: string; source: string }[] = [
  // secret scanners and repository dumpers
  { needle: 'gitleaks', source: 'tool' }, { needle: 'trufflehog', source: 'tool' },
  { needle: 'secretsniffer', source: 'seen' }, { needle: 'secretfinder', source: 'tool' },
  { needle: 'git-dumper', source: 'tool' }, { needle: 'gitdumper', source: 'tool' }, { needle: 'dotgit', source: 'tool' },
  // vulnerability scanners
  { needle: 'nuclei', source: 'cs' }, { needle: 'nikto', source: 'cs' }, { needle: 'sqlmap', source: 'cs' },
  { needle: 'wpscan', source: 'cs' }, { needle: 'joomscan', source: 'tool' }, { needle: 'acunetix', source: 'cs' },
  { needle: 'netsparker', source: 'tool' }, { needle: 'openvas', source: 'cs' }, { needle: 'nessus', source: 'cs' },
  { needle: 'qualys', source: 'tool' }, { needle: 'arachni', source: 'tool' }, { needle: 'skipfish', source: 'tool' },
  { needle: 'w3af', source: 'tool' }, { needle: 'whatweb', source: 'cs' }, { needle: 'webshag', source: 'cs' },
  { needle: 'fimap', source: 'cs' }, { needle: 'havij', source: 'cs' }, { needle: 'morfeus', source: 'cs' },
  { needle: 'jbrofuzz', source: 'cs' }, { needle: 'commix', source: 'tool' }, { needle: 'xray', source: 'seen' },
  { needle: 'httpx - open-source project', source: 'tool' }, { needle: 'l9explore', source: 'seen' },
  { needle: 'l9tcpid', source: 'seen' }, { needle: 'leakix', source: 'seen' },
  // directory and content brute-forcers
  { needle: 'dirbuster', source: 'cs' }, { needle: 'gobuster', source: 'cs' }, { needle: 'feroxbuster', source: 'tool' },
  { needle: 'ffuf', source: 'tool' }, { needle: 'fuzz faster u fool', source: 'tool' }, { needle: 'wfuzz', source: 'tool' },
  { needle: 'dirsearch', source: 'tool' }, { needle: 'dirb/', source: 'tool' },
  // port and mass scanners, NSE
  { needle: 'masscan', source: 'cs' }, { needle: 'zgrab', source: 'cs' }, { needle: 'nmap scripting engine', source: 'cs' },
  { needle: 'nmap nse', source: 'tool' }, { needle: 'zmeu', source: 'cs' }, { needle: 'jorgee', source: 'cs' },
  { needle: 'censysinspect', source: 'cs' }, { needle: 'expanse', source: 'seen' }, { needle: 'fofa', source: 'seen' },
];

export interface ScannerAgentMatcher {
  /** The first scanner name found in the user agent, or undefined. */
  match(userAgent: string | undefined): string | undefined;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createScannerAgentMatcher(extra: string[] = []): ScannerAgentMatcher {
  const needles = [...SCANNER_USER_AGENTS.map((s) => s.needle), ...extra.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 1)];
  // An alternation of escaped literals: no quantifiers, so matching is linear in the user agent's length.
  const re = new RegExp(needles.map(escapeRegExp).join('|'), 'i');
  // User agents repeat heavily in access logs; a bounded cache keeps the regex off the hot path.
  const cache = new Map<string, string | undefined>();
  return {
    match(userAgent) {
      if (!userAgent) return undefined;
      if (cache.has(userAgent)) return cache.get(userAgent);
      const m = re.exec(userAgent.length > 1024 ? userAgent.slice(0, 1024) : userAgent);
      const name = m ? m[0].toLowerCase() : undefined;
      if (cache.size >= 10_000) cache.clear();
      cache.set(userAgent, name);
      return name;
    },
  };
}
