// Does an enabled block or reject rule reference the block alias on every configured interface? A pfSense alias that
// no rule uses blocks nothing: this is the precondition checked before every apply and at start. Pure: the rules come
// from REST `firewall/rules` or from config.xml's filter/rule (XML-RPC / SSH), normalised to FilterRule.
import type { Direction } from './types';
import type { PreconditionCheck } from './verification';

/** One filter rule, as both transports are normalised to it. */
export interface FilterRule {
  /** pass | block | reject (match is a floating-only action that does not block). */
  type: string;
  /** Interface ids (wan, lan, opt1, ...); several for floating rules. */
  interfaces: string[];
  /** Alias name, address, network keyword or "any"; prefixed with "!" when inverted. */
  source: string;
  destination: string;
  disabled: boolean;
  descr: string;
}

const BLOCKING = new Set(['block', 'reject']);

function describe(r: FilterRule): string {
  const side = `${r.source} -> ${r.destination}`;
  return `${r.disabled ? 'disabled ' : ''}${r.type} rule on ${r.interfaces.join(',') || '(no interface)'} ${side}${r.descr ? ` "${r.descr.slice(0, 60)}"` : ''}`;
}

/**
 * One check per configured interface: an enabled block/reject rule on it whose source (inbound) or destination
 * (outbound) is the alias. A failed check names the alias, what was found instead, and the rule to add.
 */
export function aliasRuleChecks(rules: FilterRule[], alias: string, interfaces: string[], direction: Direction): PreconditionCheck[] {
  const field = direction === 'inbound' ? 'source' : 'destination';
  const referencing = rules.filter((r) => r.source === alias || r.destination === alias || r.source === `!${alias}` || r.destination === `!${alias}`);
  return interfaces.map((iface) => {
    const onIface = referencing.filter((r) => r.interfaces.includes(iface));
    const good = onIface.find((r) => !r.disabled && BLOCKING.has(r.type) && r[field] === alias);
    const what = `${direction} rule on ${iface} references alias ${alias}`;
    if (good) return { what, ok: true, detail: `enabled ${good.type} rule on ${iface} with ${field} ${alias}${good.descr ? ` ("${good.descr.slice(0, 60)}")` : ''}` };
    const found = onIface.length > 0
      ? `only ${onIface.slice(0, 3).map(describe).join('; ')}`
      : referencing.length > 0 ? `rules reference it on other interfaces only (${[...new Set(referencing.flatMap((r) => r.interfaces))].join(', ')})` : 'no rule references it';
    return {
      what, ok: false,
      detail: `alias ${alias} is not used by any enabled block or reject rule on interface ${iface} (${found}): add a rule on ${iface.toUpperCase()} ` +
        `with action Block, ${field} ${alias}, above any pass rule that would match the same traffic (Firewall > Rules > ${iface.toUpperCase()})`,
    };
  });
}

/** config.xml's filter/rule entry (as config_get_path returns it) normalised; undefined for anything unreadable. */
export function ruleFromConfig(raw: unknown): FilterRule | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const endpoint = (e: unknown): string => {
    if (typeof e !== 'object' || e === null) return 'any';
    const o = e as Record<string, unknown>;
    const not = 'not' in o ? '!' : '';
    if (typeof o.address === 'string') return `${not}${o.address}`;
    if (typeof o.network === 'string') return `${not}${o.network}`;
    return `${not}any`;
  };
  return {
    type: typeof r.type === 'string' ? r.type : 'pass',
    interfaces: typeof r.interface === 'string' ? r.interface.split(',').map((s) => s.trim()).filter(Boolean) : [],
    source: endpoint(r.source),
    destination: endpoint(r.destination),
    // config.xml marks a disabled rule by the presence of the (empty) <disabled/> element.
    disabled: 'disabled' in r,
    descr: typeof r.descr === 'string' ? r.descr : '',
  };
}

/** pfrest v2 FirewallRule (GET /api/v2/firewall/rules) normalised. */
export function ruleFromRest(raw: unknown): FilterRule | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const iface = Array.isArray(r.interface) ? r.interface.map(String) : typeof r.interface === 'string' ? r.interface.split(',') : [];
  return {
    type: typeof r.type === 'string' ? r.type : 'pass',
    interfaces: iface.map((s) => s.trim()).filter(Boolean),
    source: typeof r.source === 'string' ? r.source : 'any',
    destination: typeof r.destination === 'string' ? r.destination : 'any',
    disabled: r.disabled === true,
    descr: typeof r.descr === 'string' ? r.descr : '',
  };
}
