// Loads the configuration: one YAML file, then environment overrides, then explicit overrides (CLI flags),
// validated by the zod schema in domain/config. Errors name every bad field and the reason.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type PalisadeConfig, type SecretRef } from '../domain/config';
import { validateNeverBlockContext } from '../domain/never-block';

export type DeepPartial<T> = T extends (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[], readonly file?: string) {
    super(`invalid configuration${file ? ` in ${file}` : ''}:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** YAML file; default: $PALISADE_CONFIG, else ./palisade.yaml if it exists, else built-in defaults only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: DeepPartial<PalisadeConfig>;
}

/** Setting this environment variable makes temporal.apiKey read the key from it. */
export const TEMPORAL_API_KEY_ENV = 'TEMPORAL_API_KEY';

/**
 * Environment variables with a fixed meaning. Anything else can be set generically as
 * PALISADE__section__key=value (value parsed as JSON when it parses, else taken as a string).
 */
const ENV_OVERRIDES: Record<string, (v: string) => DeepPartial<PalisadeConfig>> = {
  PALISADE_MODE: (v) => ({ policy: { mode: v as PalisadeConfig['policy']['mode'] } }),
  PALISADE_DRY_RUN: (v) => ({ policy: { dryRun: parseBool(v, 'PALISADE_DRY_RUN') } }),
  PALISADE_DATA_DIR: (v) => ({ dataDir: v }),
  PALISADE_LOG_LEVEL: (v) => ({ logLevel: v as PalisadeConfig['logLevel'] }),
  PALISADE_API_HOST: (v) => ({ api: { host: v } }),
  PALISADE_API_PORT: (v) => ({ api: { port: Number(v) } }),
  PALISADE_LLM_PROVIDER: (v) => ({ llm: { provider: v as PalisadeConfig['llm']['provider'] } }),
  PALISADE_LLM_MODEL: (v) => ({ llm: { model: v } }),
  PALISADE_LLM_URL: (v) => ({ llm: { baseUrl: v } }),
  TEMPORAL_ADDRESS: (v) => ({ temporal: { address: v } }),
  TEMPORAL_NAMESPACE: (v) => ({ temporal: { namespace: v } }),
  TEMPORAL_UI_URL: (v) => ({ temporal: { uiUrl: v } }),
  // Only the reference goes into the config; the key itself is read at connect time.
  [TEMPORAL_API_KEY_ENV]: () => ({ temporal: { apiKey: { env: TEMPORAL_API_KEY_ENV } } }),
};

function parseBool(v: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError([{ path: name, message: `expected true/false, got "${v}"` }]);
}

function envLayer(env: NodeJS.ProcessEnv): DeepPartial<PalisadeConfig> {
  let layer: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    const fixed = ENV_OVERRIDES[name];
    if (fixed) layer = deepMerge(layer, fixed(value) as Record<string, unknown>);
    else if (name.startsWith('PALISADE__')) {
      const keys = name.slice('PALISADE__'.length).split('__').filter(Boolean);
      if (keys.length === 0) continue;
      let parsed: unknown = value;
      try {
        parsed = JSON.parse(value);
      } catch {
        // plain string
      }
      const nested = keys.reduceRight<unknown>((acc, k) => ({ [k]: acc }), parsed);
      layer = deepMerge(layer, nested as Record<string, unknown>);
    }
  }
  return layer as DeepPartial<PalisadeConfig>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }], file);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({ path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0] })), file);
  }
  const value = doc.toJS() ?? {};
  if (!isPlainObject(value)) throw new ConfigError([{ path: '', message: 'the file must contain a YAML mapping' }], file);
  return value;
}

function issuePath(p: ReadonlyArray<PropertyKey>): string {
  return p.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace(/\.\[/g, '[');
}

function zodIssues(err: z.ZodError): ConfigIssue[] {
  return err.issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      const at = issuePath(i.path);
      return { path: i.keys.map((k) => (at ? `${at}.${k}` : k)).join(', '), message: 'unknown field' };
    }
    return { path: issuePath(i.path), message: i.message };
  });
}

/** Cross-field rules the schema alone cannot express. */
function semanticIssues(c: PalisadeConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const t = c.policy.thresholds;
  if (t.auto < t.analyse) issues.push({ path: 'policy.thresholds.auto', message: `must be >= analyse (${t.analyse})` });
  const d = c.policy.durations;
  if (d.minHours > d.maxHours) issues.push({ path: 'policy.durations.minHours', message: `must be <= maxHours (${d.maxHours})` });
  d.ladderHours.forEach((h, i) => {
    if (h > d.maxHours) issues.push({ path: `policy.durations.ladderHours[${i}]`, message: `${h} h exceeds maxHours (${d.maxHours})` });
    if (i > 0 && h < d.ladderHours[i - 1]) issues.push({ path: `policy.durations.ladderHours[${i}]`, message: 'the ladder must not decrease' });
  });
  for (const [name, o] of Object.entries(c.policy.sources)) {
    const analyse = o.thresholds?.analyse ?? t.analyse;
    const auto = o.thresholds?.auto ?? t.auto;
    if (auto < analyse) issues.push({ path: `policy.sources.${name}.thresholds.auto`, message: `must be >= analyse (${analyse})` });
  }
  if (c.enforcement.enforcer === 'pfsense' && !c.enforcement.pfsense) issues.push({ path: 'enforcement.pfsense', message: 'required when enforcement.enforcer is pfsense' });
  if (c.enforcement.enforcer === 'traefik' && !c.enforcement.traefik) issues.push({ path: 'enforcement.traefik', message: 'required when enforcement.enforcer is traefik' });
  if ((c.llm.provider === 'openai-compatible' || c.llm.provider === 'ollama') && !c.llm.baseUrl) issues.push({ path: 'llm.baseUrl', message: `required for provider ${c.llm.provider}` });
  if (c.llm.provider !== 'none' && !c.llm.model) issues.push({ path: 'llm.model', message: `required for provider ${c.llm.provider}` });
  if (c.detection.elasticsearch.enabled && !c.detection.elasticsearch.node) issues.push({ path: 'detection.elasticsearch.node', message: 'required when elasticsearch is enabled' });
  if (c.intel.feed.enabled && !c.intel.feed.baseUrl) issues.push({ path: 'intel.feed.baseUrl', message: 'required when the feed is enabled' });
  const pro = c.proactive;
  if (pro.mode !== 'off' && !(pro.prometheusUrl ?? c.detection.prometheusUrl) && !pro.icinga.enabled) {
    issues.push({ path: 'proactive.mode', message: `${pro.mode} needs something to scan: proactive.prometheusUrl (or detection.prometheusUrl) or proactive.icinga` });
  }
  const nb = c.policy.neverBlock;
  for (const i of validateNeverBlockContext({ ownNetworks: nb.ownNetworks, infrastructure: nb.infrastructure, allowlist: nb.allowlist, now: new Date().toISOString() })) {
    issues.push({ path: `policy.neverBlock.${i.path}`, message: i.message });
  }
  return issues;
}

/** Additional validators registered by other modules (e.g. never-block CIDR syntax), run after the schema. */
const extraValidators: ((c: PalisadeConfig) => ConfigIssue[])[] = [];
export function registerConfigValidator(fn: (c: PalisadeConfig) => ConfigIssue[]) {
  extraValidators.push(fn);
}

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PALISADE_CONFIG) return env.PALISADE_CONFIG;
  return existsSync('palisade.yaml') ? 'palisade.yaml' : undefined;
}

export function loadConfig(opts: LoadConfigOptions = {}): PalisadeConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? defaultConfigFile(env);
  let raw: Record<string, unknown> = file ? readYaml(file) : {};
  raw = deepMerge(raw, envLayer(env) as Record<string, unknown>);
  if (opts.overrides) raw = deepMerge(raw, opts.overrides as Record<string, unknown>);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), file);
  const config = parsed.data;
  if (file && !path.isAbsolute(config.dataDir)) config.dataDir = path.resolve(config.dataDir);
  const issues = [...semanticIssues(config), ...extraValidators.flatMap((v) => v(config))];
  if (issues.length > 0) throw new ConfigError(issues, file);
  return config;
}

function isSecretRef(v: unknown): v is SecretRef {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file') && typeof v[keys[0]] === 'string';
}

/**
 * The effective configuration for printing: secret references are shown with whether they resolve
 * (`<env PALISADE_CONTROL_TOKEN: set>`), never with their values.
 */
export function describeConfig(config: PalisadeConfig, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (isSecretRef(v)) {
      if (v.env) return `<secret from env ${v.env}: ${env[v.env] ? 'set' : 'unset'}>`;
      return `<secret from file ${v.file}: ${v.file && existsSync(v.file) ? 'present' : 'missing'}>`;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(config) as Record<string, unknown>;
}
