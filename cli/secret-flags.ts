// Secrets are never taken as command-line flags: every user of the machine sees a process's arguments in `ps`, and
// they stay in shell history. A flag that looks like a secret (`--llm-api-key`, the PRD's flag; `--control-token`,
// `--pfsense-password`, ...) is refused before any command runs, with where that secret goes instead: the
// environment variable Palisade reads, or a `{ env: NAME }` / `{ file: /path }` reference in the configuration.
import { LLM_DEFAULT_KEY_ENV } from '../domain/config/llm';
import { secretFields, type SecretField } from '../domain/config/secret-fields';
import { TEMPORAL_API_KEY_ENV } from '../runtime/config';

/** Words that make a flag a secret wherever they appear. */
const SECRET_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'apikey', 'credential', 'credentials']);
/** A flag that names a reference to a secret (`--token-file`) is not a secret itself. */
const REFERENCE_WORDS = new Set(['file', 'env', 'path']);

const flagWords = (name: string) =>
  name.toLowerCase().split('-').filter(Boolean).flatMap((w) => (w === 'apikey' ? ['api', 'key'] : w === 'passwd' ? ['password'] : [w]));

/** Whether a long option's name (without the dashes) looks like it carries a secret. */
export function isSecretFlagName(name: string): boolean {
  const raw = name.toLowerCase().split('-').filter(Boolean);
  const last = raw[raw.length - 1];
  if (last === undefined || REFERENCE_WORDS.has(last)) return false;
  return raw.some((w) => SECRET_WORDS.has(w)) || last === 'key' || (last === 'url' && raw[raw.length - 2] === 'webhook');
}

/** The first secret-looking long option in the arguments (argv without node and script), if any. */
export function findSecretFlag(args: readonly string[]): string | undefined {
  for (const a of args) {
    if (a === '--') return undefined;
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=|$)/.exec(a);
    if (m && isSecretFlagName(m[1]!)) return m[1];
  }
  return undefined;
}

const pathWords = (path: string) => path.split('.').flatMap((seg) => seg.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(' '));

/** Words that qualify the kind of key: `--api-key` means an apiKey, not the link signing key. */
const KEY_QUALIFIERS = new Set(['api', 'private', 'signing', 'access']);

/**
 * The configuration fields a flag stands for: the flag's words appear in the field's path in order, it ends in the
 * same word, and a key qualifier before that word is the field's own (`--api-key`, `--llm-key`, `--discord-token`,
 * `--pfsense-password`, `--signing-key`).
 */
export function secretFieldsForFlag(name: string, fields: readonly SecretField[] = secretFields()): SecretField[] {
  const words = flagWords(name);
  const last = words[words.length - 1];
  const qualifier = words.length > 1 && KEY_QUALIFIERS.has(words[words.length - 2]!) ? words[words.length - 2] : undefined;
  return fields.filter((f) => {
    const have = pathWords(f.path);
    if (have[have.length - 1] !== last || (qualifier && have[have.length - 2] !== qualifier)) return false;
    let i = 0;
    for (const w of have) if (w === words[i]) i++;
    return i === words.length;
  });
}

/** Environment variables a field is read from without any configuration. */
function defaultEnvs(f: SecretField): string[] {
  if (f.defaultEnv) return [f.defaultEnv];
  if (f.path === 'llm.apiKey') return Object.entries(LLM_DEFAULT_KEY_ENV).map(([provider, env]) => `${env} (provider ${provider})`);
  if (f.path === 'temporal.apiKey') return [TEMPORAL_API_KEY_ENV];
  return [];
}

export function secretFlagRefusal(name: string, fields: readonly SecretField[] = secretFields()): string {
  const matches = secretFieldsForFlag(name, fields);
  const lines = [
    `--${name} is refused: command-line flags are visible to every user of this machine in \`ps\` (and stay in shell history), so Palisade never takes a secret as a flag. Nothing was started.`,
    'Give the secret through the environment, or put it in a file only you can read and reference it in the configuration file:',
  ];
  for (const f of matches) {
    const envs = defaultEnvs(f);
    lines.push(`  ${f.path}: ${envs.length ? `environment variable ${envs.join(' or ')}; or ` : ''}\`${f.path}: { env: NAME }\` / \`${f.path}: { file: /path/to/secret }\``);
  }
  if (matches.length === 0) lines.push('  `<key>: { env: NAME }` / `<key>: { file: /path/to/secret }`; `palisade config check` shows where each secret is read from.');
  return lines.join('\n');
}
