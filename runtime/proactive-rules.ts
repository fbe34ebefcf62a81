// The effective rule pack: the shipped config/proactive-rules.yaml (or proactive.rulePackFile), minus
// proactive.disabledRules, with proactive.rules added (a rule of the same name replaces the pack's). Validated with
// the config's rule schema; a broken pack is a ConfigError naming the rule and field.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { PalisadeConfig, ProactiveRule } from '../domain/config';
import { proactiveRuleSchema } from '../domain/config/proactive';
import { ConfigError } from './config';

export const SHIPPED_RULE_PACK = path.resolve(__dirname, '../config/proactive-rules.yaml');

const packSchema = z.strictObject({ rules: z.array(proactiveRuleSchema).max(500) });

export function readRulePackFile(file: string): ProactiveRule[] {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: 'proactive.rulePackFile', message: `cannot read rule pack ${file}: ${(err as Error).message.split('\n')[0]}` }]);
  }
  const r = packSchema.safeParse(doc);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => ({ path: `${file}: ${i.path.map(String).join('.')}`, message: i.message })));
  }
  const seen = new Set<string>();
  for (const rule of r.data.rules) {
    if (seen.has(rule.name)) throw new ConfigError([{ path: `${file}: rules`, message: `duplicate rule name ${rule.name}` }]);
    seen.add(rule.name);
  }
  return r.data.rules;
}

export function effectiveRulePack(config: Pick<PalisadeConfig, 'proactive'>): ProactiveRule[] {
  const p = config.proactive;
  const pack = readRulePackFile(p.rulePackFile ?? SHIPPED_RULE_PACK);
  const unknown = p.disabledRules.filter((n) => !pack.some((r) => r.name === n) && !p.rules.some((r) => r.name === n));
  if (unknown.length > 0) throw new ConfigError([{ path: 'proactive.disabledRules', message: `no such rule: ${unknown.join(', ')}` }]);
  const own = new Set(p.rules.map((r) => r.name));
  return [...pack.filter((r) => !own.has(r.name)), ...p.rules].filter((r) => !p.disabledRules.includes(r.name));
}
