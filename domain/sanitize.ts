// Untrusted text (paths, user agents, narratives, org names, alert annotations) is data, never instructions.
// These helpers make it safe to place such text in an LLM prompt, a Discord message, an HTML page or a PHP/shell
// string literal. Pure functions, no dependencies.

/** C0/C1 control characters, DEL, zero-width and bidi-override characters (invisible text tricks). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/**
 * One line of untrusted text: control characters removed, newlines/tabs collapsed to a space, trimmed and capped
 * at `maxLen` characters (an ellipsis marks the cut). Never returns more than maxLen characters.
 */
export function sanitizeUntrusted(text: unknown, maxLen = 200): string {
  if (maxLen <= 0) return '';
  let s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  s = s.replace(CONTROL, '').replace(/[\r\n\t]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  if (s.length > maxLen) s = maxLen === 1 ? '…' : `${s.slice(0, maxLen - 1)}…`;
  return s;
}

/** Multi-line variant: keeps newlines (max 3 in a row), strips other control characters, caps total length. */
export function sanitizeUntrustedBlock(text: unknown, maxLen = 2000): string {
  if (maxLen <= 0) return '';
  let s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  s = s.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROL, '').replace(/\n{4,}/g, '\n\n\n').trim();
  if (s.length > maxLen) s = `${s.slice(0, maxLen - 1)}…`;
  return s;
}

/** Marker that ends a fenced block; any occurrence inside the data is neutralised so the data cannot close it. */
const fenceEnd = (label: string) => `<<<END ${label}>>>`;

/**
 * Wraps untrusted text in explicit delimiters for an LLM prompt:
 *   <<<BEGIN UNTRUSTED user_agent>>> ... <<<END UNTRUSTED user_agent>>>
 * The content is sanitised (block form), and anything that looks like our delimiters is defanged so the data
 * cannot fake the end of the block.
 */
export function fenceUntrusted(label: string, text: unknown, maxLen = 2000): string {
  const tag = `UNTRUSTED ${label.replace(/[^a-z0-9_-]/gi, '_').slice(0, 40)}`;
  const body = sanitizeUntrustedBlock(text, maxLen).replace(/<<<|>>>/g, (m) => (m === '<<<' ? '‹‹‹' : '›››'));
  return `<<<BEGIN ${tag}>>>\n${body}\n${fenceEnd(tag)}`;
}

/** A list of untrusted strings, each one line, capped in count and length, as a fenced block. */
export function fenceUntrustedList(label: string, items: readonly unknown[], maxItems = 10, maxLen = 200): string {
  const shown = items.slice(0, maxItems).map((i) => `- ${sanitizeUntrusted(i, maxLen)}`);
  if (items.length > maxItems) shown.push(`(+${items.length - maxItems} more not shown)`);
  return fenceUntrusted(label, shown.length ? shown.join('\n') : '(none)', (maxLen + 4) * (maxItems + 1));
}

/**
 * For Discord: one line, no mass or user/role/channel mentions, no markdown that could hide or fake content.
 * (Send with allowed_mentions: { parse: [] } as well; this is the belt to that pair of braces.)
 */
export function sanitizeForDiscord(text: unknown, maxLen = 200): string {
  return escapeDiscordMarkdown(sanitizeUntrusted(text, maxLen)
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/<(@[!&]?|#)(\d+)>/g, '<$1\u200b$2>'));
}

/**
 * Backslash-escapes every character Discord Markdown gives meaning to, so untrusted text renders literally: no masked
 * links ([text](url)) planted beside the real buttons, no hidden spoilers, quotes, headings or code blocks.
 */
export function escapeDiscordMarkdown(text: string): string {
  return text.replace(/[\\`*_~|>#[\]()]/g, '\\$&');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** For HTML text and attribute values. */
export function escapeHtml(text: unknown, maxLen = 2000): string {
  return sanitizeUntrustedBlock(text, maxLen).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A PHP single-quoted string literal (only \\ and ' are special inside one). Control characters are removed. */
export function phpSingleQuoted(text: unknown, maxLen = 500): string {
  return `'${sanitizeUntrusted(text, maxLen).replace(/[\\']/g, '\\$&')}'`;
}

/** A POSIX shell single-quoted word. */
export function shellSingleQuoted(text: unknown, maxLen = 500): string {
  return `'${sanitizeUntrusted(text, maxLen).replace(/'/g, `'\\''`)}'`;
}

/** Truncates already-trusted text for storage (e.g. raw LLM output in history), marking the cut with its size. */
export function truncateForRecord(text: string, maxLen = 4096): string {
  if (text.length <= maxLen) return text;
  return `${text.slice(0, maxLen)}…[truncated, ${text.length} chars total]`;
}
