// SSH transport (ssh2). The host key must match the pinned SHA256 fingerprint (as `ssh-keygen -lf` prints it);
// without a pin we refuse to connect. Persistent mode feeds the same PHP as XML-RPC to the php CLI on stdin, so the
// command line is a fixed, quoted binary path and no value is ever interpolated into a shell. Runtime mode (only when
// configured) edits the pf table with pfctl and is lost at the next filter reload.
import { createHash } from 'node:crypto';
import { Client, type ConnectConfig } from 'ssh2';
import { PermanentEnforcementError } from '../types';
import type { FilterRule } from '../../../domain/pfsense-rules';
import { cliPhpScript, parsePhpResult, parseRulesResult, PhpRefusedError, rulesCliScript, SSH_RESULT_MARKER, type PhpRequest } from './php';
import { canonicalIp, entryIp, shorten, type AliasEntry, type AliasOp, type AliasTransport, type AliasType, type BatchResult, type OpOutcome, type VerifyResult } from './model';

export interface SshTransportOptions {
  host: string;
  port: number;
  username: string;
  privateKey?: () => Promise<string | undefined>;
  password?: () => Promise<string | undefined>;
  hostKeySha256?: string;
  mode: 'persistent' | 'runtime';
  killStates: boolean;
  alias: string;
  aliasType: AliasType;
  createAlias: boolean;
  descr: string;
  timeoutMs: number;
  phpPath: string;
  pfctlPath: string;
}

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** POSIX single-quote quoting: the only way a value reaches a command line here. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** "SHA256:<base64 without padding>" of a raw SSH public key blob, as ssh-keygen -lf prints it. */
export const sshFingerprint = (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

export class SshTransport implements AliasTransport {
  readonly name = 'ssh' as const;
  constructor(private readonly o: SshTransportOptions) {}

  async applyBatch(ops: AliasOp[]): Promise<BatchResult> {
    return this.session(async (exec) => {
      const result = this.o.mode === 'runtime' ? await this.runtimeBatch(exec, ops) : await this.phpBatch(exec, ops);
      if (this.o.killStates) {
        // pf filters new connections only; drop the established ones of hosts we just blocked.
        for (const [i, op] of ops.entries()) {
          if (op.kind === 'add' && result.outcomes[i] === 'added') await this.checked(exec, `${shellQuote(this.o.pfctlPath)} -k ${shellQuote(op.ip)}`);
        }
      }
      return result;
    });
  }

  async read(): Promise<AliasEntry[]> {
    return this.session(async (exec) => (this.o.mode === 'runtime' ? this.runtimeEntries(exec) : (await this.phpBatch(exec, [])).entries));
  }

  async verify(ip: string): Promise<VerifyResult> {
    return this.session(async (exec) => {
      const r = await exec(`${shellQuote(this.o.pfctlPath)} -t ${shellQuote(this.o.alias)} -T test ${shellQuote(ip)}`);
      const said = shorten(r.stderr.trim() || r.stdout.trim(), 120);
      const loaded = { ok: r.code === 0, evidence: `pfctl -t ${this.o.alias} -T test ${ip}: ${said || `exit ${r.code}`}` };
      // Runtime mode has no configuration entry: the pf table is all there is.
      if (this.o.mode === 'runtime') return { present: { ...loaded, evidence: `${loaded.evidence} (runtime mode: the pf table is the block list)` }, loaded };
      const entry = (await this.phpBatch(exec, [])).entries.find((e) => entryIp(e.address) === ip);
      const present = entry
        ? { ok: true, evidence: `${entry.address} is in alias ${this.o.alias} (config.xml)` }
        : { ok: false, evidence: `${ip} is not in alias ${this.o.alias} (config.xml)` };
      return { present, loaded };
    });
  }

  async filterRules(): Promise<FilterRule[]> {
    return this.session(async (exec) => {
      const r = await exec(shellQuote(this.o.phpPath), rulesCliScript());
      const line = r.stdout.split('\n').filter((l) => l.startsWith(SSH_RESULT_MARKER)).pop();
      if (r.code !== 0 || line === undefined) throw new Error(`php exited ${r.code ?? 'by signal'} without a result: ${shorten((r.stderr || r.stdout).trim(), 200)}`);
      return parseRulesResult(line.slice(SSH_RESULT_MARKER.length));
    });
  }

  private async phpBatch(exec: (cmd: string, stdin?: string) => Promise<ExecResult>, ops: AliasOp[]): Promise<BatchResult> {
    const req: PhpRequest = { alias: this.o.alias, type: this.o.aliasType, create: this.o.createAlias, descr: this.o.descr, ops };
    const r = await exec(shellQuote(this.o.phpPath), cliPhpScript(req));
    const line = r.stdout.split('\n').filter((l) => l.startsWith(SSH_RESULT_MARKER)).pop();
    if (r.code !== 0 || line === undefined) {
      throw new Error(`php exited ${r.code ?? 'by signal'} without a result: ${shorten((r.stderr || r.stdout).trim(), 200)}`);
    }
    try {
      return parsePhpResult(line.slice(SSH_RESULT_MARKER.length), ops.length);
    } catch (err) {
      if (err instanceof PhpRefusedError && err.error === 'alias_not_found') {
        throw new PermanentEnforcementError(`alias ${this.o.alias} does not exist on the firewall and createAlias is off`, 'not_found');
      }
      if (err instanceof PhpRefusedError) throw new PermanentEnforcementError(err.message, 'validation');
      throw err;
    }
  }

  /** Runtime tables carry no detail; the configured table is dedicated to Palisade, so its entries count as ours. */
  private async runtimeEntries(exec: (cmd: string) => Promise<ExecResult>): Promise<AliasEntry[]> {
    const r = await exec(`${shellQuote(this.o.pfctlPath)} -t ${shellQuote(this.o.alias)} -T show`);
    if (r.code !== 0) {
      if (/does not exist/i.test(r.stderr)) return [];
      throw new Error(`pfctl -T show exited ${r.code}: ${shorten(r.stderr.trim(), 200)}`);
    }
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
      .map((address) => ({ address, detail: 'palisade:runtime pf table entry' }));
  }

  private async runtimeBatch(exec: (cmd: string) => Promise<ExecResult>, ops: AliasOp[]): Promise<BatchResult> {
    const present = new Set((await this.runtimeEntries(exec)).map((e) => entryIp(e.address)).filter((ip): ip is string => ip !== undefined));
    const before = new Set(present);
    const outcomes: OpOutcome[] = ops.map((op) => {
      if (op.kind === 'add') {
        if (present.has(op.ip)) return 'present';
        present.add(op.ip);
        return 'added';
      }
      if (!present.has(op.ip)) return 'absent';
      present.delete(op.ip);
      return 'removed';
    });
    // Every value here passed canonicalIp; quoting is still applied to each.
    const toAdd = [...present].filter((ip) => !before.has(ip) && canonicalIp(ip));
    const toDelete = [...before].filter((ip) => !present.has(ip) && canonicalIp(ip));
    const pfctl = `${shellQuote(this.o.pfctlPath)} -t ${shellQuote(this.o.alias)} -T`;
    if (toDelete.length) await this.checked(exec, `${pfctl} delete ${toDelete.map(shellQuote).join(' ')}`);
    if (toAdd.length) await this.checked(exec, `${pfctl} add ${toAdd.map(shellQuote).join(' ')}`);
    const entries = [...present].map((address) => ({ address, detail: 'palisade:runtime pf table entry' }));
    return { outcomes, entries, changed: toAdd.length + toDelete.length > 0, created: false };
  }

  private async checked(exec: (cmd: string) => Promise<ExecResult>, cmd: string) {
    const r = await exec(cmd);
    if (r.code !== 0) throw new Error(`remote command exited ${r.code ?? 'by signal'}: ${shorten(r.stderr.trim(), 200)}`);
  }

  /** One connection per operation (batches make these rare); everything inside shares one deadline. */
  private async session<T>(work: (exec: (cmd: string, stdin?: string) => Promise<ExecResult>) => Promise<T>): Promise<T> {
    const pin = this.o.hostKeySha256?.replace(/=+$/, '');
    if (!pin) throw new PermanentEnforcementError('SSH refused: no host key pin configured (ssh.hostKeySha256)', 'validation');
    const privateKey = await this.o.privateKey?.();
    const password = await this.o.password?.();
    if (!privateKey && !password) throw new PermanentEnforcementError('SSH: neither a private key nor a password is configured', 'auth');

    const conn = new Client();
    conn.on('error', () => undefined); // errors after the handshake surface through exec / the deadline
    let seenKey: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        conn.end();
        reject(new Error(`SSH ${this.o.host}:${this.o.port} timed out after ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
    });
    const ready = new Promise<void>((resolve, reject) => {
      conn.once('ready', () => resolve());
      conn.once('error', (err: Error & { level?: string }) => {
        if (seenKey !== undefined && seenKey !== pin) {
          reject(new PermanentEnforcementError(`SSH refused: host key ${seenKey} does not match the pinned ${pin}`, 'auth'));
        } else if (err.level === 'client-authentication') {
          reject(new PermanentEnforcementError(`SSH authentication as ${this.o.username} failed`, 'auth'));
        } else reject(new Error(`SSH ${this.o.host}:${this.o.port}: ${shorten(err.message, 200)}`));
      });
    });
    const cfg: ConnectConfig = {
      host: this.o.host,
      port: this.o.port,
      username: this.o.username,
      readyTimeout: this.o.timeoutMs,
      hostVerifier: (key: Buffer) => {
        seenKey = sshFingerprint(key);
        return seenKey === pin;
      },
      ...(privateKey ? { privateKey } : {}),
      ...(password ? { password } : {}),
    };
    const exec = (cmd: string, stdin?: string) =>
      new Promise<ExecResult>((resolve, reject) => {
        conn.exec(cmd, (err, stream) => {
          if (err) return reject(new Error(`SSH exec failed: ${err.message}`));
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          stream.on('data', (d: Buffer) => out.push(d));
          stream.stderr.on('data', (d: Buffer) => errOut.push(d));
          stream.on('close', (code: number | null) =>
            resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') }));
          stream.end(stdin ?? '');
        });
      });
    try {
      conn.connect(cfg);
      return await Promise.race([ready.then(() => work(exec)), deadline]);
    } finally {
      clearTimeout(timer);
      conn.end();
    }
  }
}
