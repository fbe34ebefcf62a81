// The PHP that XML-RPC (pfsense.exec_php, eval'd inside xmlrpc.php) and SSH (php CLI) run on the firewall to edit
// the block alias in config.xml. Values never become PHP source: the request is JSON, base64-encoded into a
// single-quoted literal (alphabet A-Za-z0-9+/=), and the PHP re-validates every value before using it.
// Needs pfSense >= 2.6 (config_get_path / config_set_path).
import { z } from 'zod';
import { ruleFromConfig, type FilterRule } from '../../../domain/pfsense-rules';
import type { BlockLevels } from '../../../domain/verification';
import type { AliasOp, AliasType, BatchResult, OpOutcome } from './model';

export interface PhpRequest {
  alias: string;
  type: AliasType;
  create: boolean;
  descr: string;
  ops: AliasOp[];
}

/** The same planning rules as model.ts planBatch, over config.xml's space-joined address / ||-joined detail. */
const BODY = String.raw`
$palisade_run = function ($in) {
  if (!is_array($in)) return ['ok' => false, 'error' => 'request is not valid JSON'];
  $name = $in['alias'] ?? null;
  if (!is_string($name) || !preg_match('/^[A-Za-z0-9_]{1,31}$/', $name)) return ['ok' => false, 'error' => 'invalid alias name'];
  $type = $in['type'] ?? null;
  if ($type !== 'host' && $type !== 'network') return ['ok' => false, 'error' => 'invalid alias type'];
  // Binary form of a single-address entry (bare, /32 or /128), or null for anything else (CIDR, FQDN, alias name).
  $key = function ($s) {
    $m = [];
    if (!is_string($s) || !preg_match('/^([0-9A-Fa-f:.]{2,45})(?:\/([0-9]{1,3}))?$/', trim($s), $m)) return null;
    if (filter_var($m[1], FILTER_VALIDATE_IP) === false) return null;
    $bin = inet_pton($m[1]);
    if ($bin === false) return null;
    if (isset($m[2]) && $m[2] !== '' && (int)$m[2] !== strlen($bin) * 8) return null;
    return $bin;
  };
  $owner = function ($d) {
    $m = [];
    return (is_string($d) && preg_match('/^palisade:(\S+)/', $d, $m)) ? $m[1] : null;
  };
  $ops = $in['ops'] ?? null;
  if (!is_array($ops)) return ['ok' => false, 'error' => 'ops is not a list'];
  foreach ($ops as $n => $op) {
    $kind = $op['kind'] ?? null;
    $bid = $op['blockId'] ?? null;
    if (($kind !== 'add' && $kind !== 'remove') || $key($op['ip'] ?? null) === null || strpos((string)$op['ip'], '/') !== false
        || !is_string($bid) || !preg_match('/^[\x21-\x7e]{1,100}$/', $bid)) {
      return ['ok' => false, 'error' => "invalid op $n"];
    }
    if ($kind === 'add') {
      $d = $op['detail'] ?? null;
      if ($key($op['value'] ?? null) !== $key($op['ip']) || !is_string($d) || strpos($d, '||') !== false
          || !preg_match('/^[\x20-\x7e]{0,200}$/', $d)) {
        return ['ok' => false, 'error' => "invalid op $n"];
      }
      if ($type === 'network' && strpos($op['value'], '/') === false) return ['ok' => false, 'error' => "op $n: network aliases need a /32 or /128 value"];
      if ($type === 'host' && strpos($op['value'], '/') !== false) return ['ok' => false, 'error' => "op $n: host aliases take a bare IP"];
    }
  }
  $aliases = config_get_path('aliases/alias', []);
  if (!is_array($aliases)) $aliases = [];
  $idx = null;
  foreach ($aliases as $i => $a) {
    if (is_array($a) && ($a['name'] ?? null) === $name) { $idx = $i; break; }
  }
  if ($idx !== null && ($aliases[$idx]['type'] ?? '') !== $type) {
    return ['ok' => false, 'error' => "alias_type_mismatch: alias is " . preg_replace('/[^a-z_]/', '', (string)($aliases[$idx]['type'] ?? ''))];
  }
  $addresses = [];
  $details = [];
  if ($idx !== null) {
    $addr = trim((string)($aliases[$idx]['address'] ?? ''));
    $addresses = $addr === '' ? [] : preg_split('/\s+/', $addr);
    $det = (string)($aliases[$idx]['detail'] ?? '');
    $details = $det === '' ? [] : explode('||', $det);
    for ($i = count($details); $i < count($addresses); $i++) $details[$i] = '';
    $details = array_slice($details, 0, count($addresses));
  }
  $outcomes = [];
  $changed = false;
  foreach ($ops as $op) {
    $k = $key($op['ip']);
    $at = null;
    foreach ($addresses as $i => $a) {
      if ($key($a) === $k) { $at = $i; break; }
    }
    if ($op['kind'] === 'add') {
      if ($at === null) {
        $addresses[] = $op['value'];
        $details[] = $op['detail'];
        $outcomes[] = 'added';
        $changed = true;
      } else {
        $o = $owner($details[$at]);
        if ($o !== null && $o !== $op['blockId']) {
          $details[$at] = $op['detail'];
          $outcomes[] = 'retagged';
          $changed = true;
        } else {
          $outcomes[] = 'present';
        }
      }
    } else {
      if ($at === null) {
        $outcomes[] = 'absent';
      } elseif ($owner($details[$at]) !== $op['blockId']) {
        $outcomes[] = 'not_owned';
      } else {
        array_splice($addresses, $at, 1);
        array_splice($details, $at, 1);
        $outcomes[] = 'removed';
        $changed = true;
      }
    }
  }
  $created = false;
  if ($changed) {
    if ($idx === null) {
      if (empty($in['create'])) return ['ok' => false, 'error' => 'alias_not_found'];
      $aliases[] = ['name' => $name, 'type' => $type, 'descr' => (string)($in['descr'] ?? ''), 'address' => '', 'detail' => ''];
      $idx = array_key_last($aliases);
      $created = true;
    }
    $aliases[$idx]['address'] = implode(' ', $addresses);
    $aliases[$idx]['detail'] = implode('||', $details);
    config_set_path('aliases/alias', $aliases);
    write_config('Palisade: ' . count($ops) . ' block list change(s) in alias ' . $name);
    mark_subsystem_dirty('aliases');
    filter_configure();
    clear_subsystem_dirty('aliases');
  }
  $entries = [];
  foreach ($addresses as $i => $a) $entries[] = ['address' => $a, 'detail' => $details[$i]];
  return ['ok' => true, 'found' => $idx !== null, 'created' => $created, 'changed' => $changed, 'outcomes' => $outcomes, 'entries' => $entries];
};
`;

/** The marker the SSH variant prints before its JSON, so output PHP prints first (warnings, notices) is skipped. */
export const SSH_RESULT_MARKER = 'PALISADE_RESULT ';

function encodeRequest(req: PhpRequest): string {
  const b64 = Buffer.from(JSON.stringify(req), 'utf8').toString('base64');
  if (!/^[A-Za-z0-9+/=]*$/.test(b64)) throw new Error('base64 produced an unexpected character');
  return b64;
}

/** Code for pfsense.exec_php: eval'd inside xmlrpc.php, which returns `$toreturn`. */
export function execPhpCode(req: PhpRequest): string {
  return `${BODY}\n$toreturn = json_encode($palisade_run(json_decode(base64_decode('${encodeRequest(req)}'), true)));\n`;
}

/** A complete script for the php CLI over SSH (fed on stdin): loads pfSense's includes, runs the same code. */
export function cliPhpScript(req: PhpRequest): string {
  return cliWrap(execPhpCode(req));
}

function cliWrap(code: string): string {
  return [
    '<?php',
    "require_once('config.inc');",
    "require_once('util.inc');",
    "require_once('filter.inc');",
    code,
    `echo "\\n${SSH_RESULT_MARKER}", $toreturn, "\\n";`,
    '',
  ].join('\n');
}

/** The filter rules, reduced to the fields the precondition check reads (config.xml shape). */
const RULES_BODY = String.raw`
$palisade_rules = function () {
  $rules = config_get_path('filter/rule', []);
  if (!is_array($rules)) $rules = [];
  $keep = array_flip(['type', 'interface', 'source', 'destination', 'disabled', 'descr']);
  $out = [];
  foreach ($rules as $r) {
    if (is_array($r)) $out[] = array_intersect_key($r, $keep);
  }
  return ['ok' => true, 'rules' => $out];
};
`;

/** pf's runtime table for one address: `pfctl -t <alias> -T test <ip>`, as Diagnostics > Tables runs pfctl. */
const TABLE_BODY = String.raw`
$palisade_table = function ($in) {
  $name = $in['alias'] ?? null;
  $ip = $in['ip'] ?? null;
  $pfctl = $in['pfctl'] ?? null;
  if (!is_string($name) || !preg_match('/^[A-Za-z0-9_]{1,31}$/', $name)) return ['ok' => false, 'error' => 'invalid alias name'];
  if (!is_string($ip) || filter_var($ip, FILTER_VALIDATE_IP) === false) return ['ok' => false, 'error' => 'invalid ip'];
  if (!is_string($pfctl) || !preg_match('/^\/[A-Za-z0-9_.\/-]+$/', $pfctl)) return ['ok' => false, 'error' => 'invalid pfctl path'];
  $out = [];
  $rc = 0;
  exec(escapeshellarg($pfctl) . ' -t ' . escapeshellarg($name) . ' -T test ' . escapeshellarg($ip) . ' 2>&1', $out, $rc);
  return ['ok' => true, 'rc' => $rc, 'output' => substr(implode(' ', array_slice($out, 0, 5)), 0, 300)];
};
`;

const encodeJson = (v: unknown) => {
  const b64 = Buffer.from(JSON.stringify(v), 'utf8').toString('base64');
  if (!/^[A-Za-z0-9+/=]*$/.test(b64)) throw new Error('base64 produced an unexpected character');
  return b64;
};

export const rulesPhpCode = () => `${RULES_BODY}\n$toreturn = json_encode($palisade_rules());\n`;
export const rulesCliScript = () => cliWrap(rulesPhpCode());
export const tablePhpCode = (alias: string, ip: string, pfctl: string) =>
  `${TABLE_BODY}\n$toreturn = json_encode($palisade_table(json_decode(base64_decode('${encodeJson({ alias, ip, pfctl })}'), true)));\n`;

const rulesResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), rules: z.array(z.unknown()) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
const tableResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), rc: z.number(), output: z.string() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

function parseJson<T>(json: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`PHP (${what}) returned something that is not JSON (${json.length} bytes)`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`PHP (${what}) returned JSON of an unexpected shape`);
  return parsed.data;
}

/** The rules from RULES_BODY's JSON, normalised. */
export function parseRulesResult(json: string): FilterRule[] {
  const r = parseJson(json, rulesResult, 'filter rules');
  if (!r.ok) throw new PhpRefusedError(r.error);
  return r.rules.map(ruleFromConfig).filter((x): x is FilterRule => x !== undefined);
}

/** TABLE_BODY's JSON as the `loaded` level. pfctl -T test exits 0 when every address matches. */
export function parseTableResult(json: string, alias: string, ip: string): BlockLevels['loaded'] {
  const r = parseJson(json, tableResult, 'table test');
  if (!r.ok) throw new PhpRefusedError(r.error);
  return { ok: r.rc === 0, evidence: `pfctl -t ${alias} -T test ${ip}: ${r.output.trim() || `exit ${r.rc}`}` };
}

const phpResult = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    found: z.boolean(),
    created: z.boolean(),
    changed: z.boolean(),
    outcomes: z.array(z.enum(['added', 'present', 'retagged', 'removed', 'absent', 'not_owned'])),
    entries: z.array(z.object({ address: z.string(), detail: z.string() })),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type PhpResult = z.infer<typeof phpResult>;

export class PhpRefusedError extends Error {
  constructor(readonly error: string) {
    super(`the firewall-side PHP refused the request: ${error}`);
    this.name = 'PhpRefusedError';
  }
}

/** Parses the JSON the PHP returned into a BatchResult; refusals become PhpRefusedError. */
export function parsePhpResult(json: string, opCount: number): BatchResult & { found: boolean } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`PHP returned something that is not JSON (${json.length} bytes)`);
  }
  const parsed = phpResult.safeParse(raw);
  if (!parsed.success) throw new Error('PHP returned JSON of an unexpected shape');
  const r = parsed.data;
  if (!r.ok) throw new PhpRefusedError(r.error);
  if (r.outcomes.length !== opCount) throw new Error(`PHP returned ${r.outcomes.length} outcomes for ${opCount} ops`);
  return { found: r.found, created: r.created, changed: r.changed, outcomes: r.outcomes as OpOutcome[], entries: r.entries };
}
