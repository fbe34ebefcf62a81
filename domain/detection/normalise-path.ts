// Canonical form of a request path for matching: what a server would resolve, not what the scanner typed.
// Scanners encode, double-encode and dot-segment their probes to slip past naive string filters.

const MAX_DECODE_ROUNDS = 4;
const HEX = /%([0-9a-fA-F]{2})/g;

/** Decodes %XX sequences only where valid (never throws on stray '%'); bytes are decoded as UTF-8. */
function percentDecodeOnce(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
  } catch {
    // Invalid UTF-8 sequences: decode byte by byte as Latin-1 so ASCII probes still surface.
    return s.replace(HEX, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

/** RFC 3986 §5.2.4 remove_dot_segments over an already slash-normalised absolute path. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i];
    if (seg === '..') {
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else if (seg === '.') {
      if (i === segments.length - 1) out.push('');
    } else {
      out.push(seg);
    }
  }
  return '/' + out.join('/');
}

/**
 * Path without query/fragment, repeatedly percent-decoded, NUL-truncated, backslashes as slashes, `;params`
 * dropped per segment, duplicate slashes collapsed and dot segments removed. Case is preserved (matching lowercases).
 */
export function normalisePath(raw: string): string {
  let p = raw;
  // An absolute URL (ECS url.original is rebuilt as scheme://host/path): keep the path.
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(p);
  if (abs) p = p.slice(abs[0].length);
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    const q = p.search(/[?#]/);
    if (q >= 0) p = p.slice(0, q);
    const decoded = percentDecodeOnce(p);
    if (decoded === p) break;
    p = decoded;
  }
  const q = p.search(/[?#]/);
  if (q >= 0) p = p.slice(0, q);
  const nul = p.indexOf('\u0000');
  if (nul >= 0) p = p.slice(0, nul);
  p = p.replace(/\\/g, '/');
  if (p.indexOf(';') >= 0) p = p.split('/').map((seg) => seg.split(';')[0]).join('/');
  if (!p.startsWith('/')) p = '/' + p;
  p = p.replace(/\/{2,}/g, '/');
  if (p.indexOf('.') >= 0) p = removeDotSegments(p);
  return p;
}
