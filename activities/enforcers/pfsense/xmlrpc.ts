// pfSense XML-RPC transport (/xmlrpc.php, HTTP Basic). The alias edit is PHP run through pfsense.exec_php, which
// returns `$toreturn` (our JSON). The `xmlrpc` package serialises calls and parses responses, but we send the request
// ourselves: its client cannot time out, take a private CA, or survive output printed before the XML envelope
// (PHP warnings on a misbehaving box), which we cut off before parsing.
import { PassThrough } from 'node:stream';
import { PermanentEnforcementError } from '../types';
import { httpRequest, type HttpTarget } from './http';
import type { FilterRule } from '../../../domain/pfsense-rules';
import { execPhpCode, parsePhpResult, parseRulesResult, parseTableResult, PhpRefusedError, rulesPhpCode, tablePhpCode, type PhpRequest } from './php';
import { entryIp, shorten, type AliasEntry, type AliasOp, type AliasTransport, type AliasType, type BatchResult, type VerifyResult } from './model';

/* eslint-disable @typescript-eslint/no-require-imports */
const Serializer = require('xmlrpc/lib/serializer') as { serializeMethodCall(method: string, params: unknown[]): string };
const Deserializer = require('xmlrpc/lib/deserializer') as new () => {
  deserializeMethodResponse(stream: NodeJS.ReadableStream, cb: (err: (Error & { faultCode?: number; faultString?: string }) | null, value: unknown) => void): void;
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface XmlRpcTarget extends HttpTarget {
  path?: string;
  username: string;
  password: () => Promise<string>;
}

export class XmlRpcFault extends Error {
  constructor(readonly faultCode: number, readonly faultString: string) {
    super(`XML-RPC fault ${faultCode}: ${shorten(faultString, 200)}`);
    this.name = 'XmlRpcFault';
  }
}

/** Everything before the XML declaration or the methodResponse element is output the server printed first. */
export function stripPrefix(body: string): string {
  const decl = body.indexOf('<?xml');
  const start = decl >= 0 ? decl : body.indexOf('<methodResponse');
  return start > 0 ? body.slice(start) : body;
}

/** One XML-RPC call. Faults -1/-2 (authentication / privileges) and HTTP 401/403 are permanent. */
export async function xmlRpcCall(t: XmlRpcTarget, method: string, params: unknown[]): Promise<unknown> {
  const xml = Serializer.serializeMethodCall(method, params);
  const auth = Buffer.from(`${t.username}:${await t.password()}`).toString('base64');
  const res = await httpRequest(t, 'POST', t.path ?? '/xmlrpc.php', {
    'Content-Type': 'text/xml',
    Accept: 'text/xml',
    Authorization: `Basic ${auth}`,
  }, xml);
  if (res.status === 401 || res.status === 403) {
    throw new PermanentEnforcementError(`XML-RPC ${method}: HTTP ${res.status}`, res.status === 401 ? 'auth' : 'forbidden');
  }
  if (res.status !== 200) throw new Error(`XML-RPC ${method}: HTTP ${res.status}`);
  const value = await new Promise<unknown>((resolve, reject) => {
    const stream = new PassThrough();
    new Deserializer().deserializeMethodResponse(stream, (err, v) => {
      if (!err) resolve(v);
      else if (typeof err.faultCode === 'number') reject(new XmlRpcFault(err.faultCode, String(err.faultString ?? '')));
      else reject(new Error(`XML-RPC ${method}: unreadable response (${shorten(err.message, 120)})`));
    });
    stream.end(stripPrefix(res.body));
  });
  return value;
}

const asPermanent = (err: unknown, method: string): unknown => {
  if (err instanceof XmlRpcFault && (err.faultCode === -1 || err.faultCode === -2)) {
    return new PermanentEnforcementError(`XML-RPC ${method}: ${err.message}`, err.faultCode === -1 ? 'auth' : 'forbidden');
  }
  return err;
};

export interface XmlRpcTransportOptions {
  target: XmlRpcTarget;
  alias: string;
  aliasType: AliasType;
  createAlias: boolean;
  descr: string;
  /** pfctl on the firewall, run by the PHP that reads pf's runtime table. */
  pfctlPath: string;
}

export class XmlRpcTransport implements AliasTransport {
  readonly name = 'xmlrpc' as const;
  constructor(private readonly o: XmlRpcTransportOptions) {}

  applyBatch(ops: AliasOp[]): Promise<BatchResult> {
    return this.run(ops);
  }

  async read(): Promise<AliasEntry[]> {
    return (await this.run([])).entries;
  }

  async verify(ip: string): Promise<VerifyResult> {
    const entry = (await this.read()).find((e) => entryIp(e.address) === ip);
    const present = entry
      ? { ok: true, evidence: `${entry.address} is in alias ${this.o.alias} (config.xml)` }
      : { ok: false, evidence: `${ip} is not in alias ${this.o.alias} (config.xml)` };
    const loaded = parseTableResult(await this.execPhp(tablePhpCode(this.o.alias, ip, this.o.pfctlPath)), this.o.alias, ip);
    return { present, loaded };
  }

  async filterRules(): Promise<FilterRule[]> {
    return parseRulesResult(await this.execPhp(rulesPhpCode()));
  }

  private async execPhp(code: string): Promise<string> {
    let value: unknown;
    try {
      value = await xmlRpcCall(this.o.target, 'pfsense.exec_php', [code]);
    } catch (err) {
      throw asPermanent(err, 'pfsense.exec_php');
    }
    if (typeof value !== 'string') throw new Error(`pfsense.exec_php returned ${typeof value}, not the JSON string the PHP sets`);
    return value;
  }

  private async run(ops: AliasOp[]): Promise<BatchResult> {
    const req: PhpRequest = { alias: this.o.alias, type: this.o.aliasType, create: this.o.createAlias, descr: this.o.descr, ops };
    const value = await this.execPhp(execPhpCode(req));
    try {
      return parsePhpResult(value, ops.length);
    } catch (err) {
      if (err instanceof PhpRefusedError && err.error === 'alias_not_found') {
        throw new PermanentEnforcementError(`alias ${this.o.alias} does not exist on the firewall and createAlias is off`, 'not_found');
      }
      if (err instanceof PhpRefusedError) throw new PermanentEnforcementError(err.message, 'validation');
      throw err;
    }
  }
}
