// Path traversal and local-file-inclusion probes, on the raw request target (path + query): what the client sent,
// before any server resolved it. Browsers resolve dot segments before sending, so a raw `../` comes from a tool.
// Needles follow CrowdSec's data/path_traversal.txt (crowdsecurity/http-path-traversal-probing, Debian crowdsec 1.4.6)
// plus the usual LFI targets; all matching is substring search over a bounded, percent-decoded copy (linear).

/** Targets whose mere presence is an attack on its own (a file no web request has business naming). */
const STRONG: readonly string[] = [
  '/etc/passwd', '/etc/shadow', '/etc/hosts', '/etc/group', '/etc/issue', '/proc/self/', '/proc/version',
  'win.ini', 'boot.ini', 'system32', 'global.asa', '/var/log/', 'web-inf/web.xml',
  'file://', 'php://', 'zip://', 'expect://', 'data://text', 'phar://', 'glob://',
];

/** Dot-dot forms (after decoding: `../`, `..\`, `..;/`; plus the over-long UTF-8 and %u forms tools use). */
const DOT_DOT: readonly string[] = ['../', '..\\', '..;/', '%c0%ae', '%c0%af', '%u002e', '%uff0e', '..%5c', '..%2f', '.%2e/'];

const MAX_DECODE_ROUNDS = 3;
const MAX_INSPECTED = 4096;

/** Lower-cased, percent-decoded (up to three rounds, invalid escapes left alone) copy of a bounded raw target. */
export function decodedLower(raw: string): string {
  let s = (raw.length > MAX_INSPECTED ? raw.slice(0, MAX_INSPECTED) : raw).toLowerCase();
  for (let i = 0; i < MAX_DECODE_ROUNDS && s.indexOf('%') >= 0; i++) {
    let out = '';
    let changed = false;
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 37 /* % */ && j + 2 < s.length && isHex(s.charCodeAt(j + 1)) && isHex(s.charCodeAt(j + 2))) {
        out += String.fromCharCode(parseInt(s.slice(j + 1, j + 3), 16));
        j += 2;
        changed = true;
      } else {
        out += s[j];
      }
    }
    if (!changed) break;
    s = out.toLowerCase();
  }
  return s;
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

export interface TraversalMatch {
  /** strong: names a system file or a stream wrapper; weak: dot-dot segments only. */
  strength: 'strong' | 'weak';
  indicator: string;
}

/** Whether a raw request target is a traversal / LFI probe. `rawLower` is the raw target lower-cased. */
export function matchTraversal(rawLower: string, decoded: string): TraversalMatch | undefined {
  for (const n of STRONG) if (decoded.includes(n)) return { strength: 'strong', indicator: n };
  for (const n of DOT_DOT) if (rawLower.includes(n) || decoded.includes(n)) return { strength: 'weak', indicator: n };
  return undefined;
}
