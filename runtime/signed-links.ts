// Signed approval links: an HMAC-SHA256 over a small claim set (IP, case, decision, approver, expiry, nonce).
// The case (domain/case-binding.ts) binds a link to the review it was minted for: the workflow refuses it for any other.
// Incident links (alert investigations) carry the incident id instead of IP and case, under their own token prefix:
// the prefix is inside the signed text, so one kind of link can never be read as the other.
// A link is expiring and single-use. The used-links store keeps only a fingerprint (SHA-256) of each signature, so
// the store never holds anything that could be replayed, and it lives in a JSON file under dataDir so that a restart
// does not make used links valid again.
//
// Why a file and not a Temporal workflow: the store is consulted before any workflow is touched (a forged or reused
// link must not start or signal anything), it must answer when Temporal is briefly down, and it is small (entries are
// pruned once their link has expired). Writes are atomic (temp file + fsync + rename) and serialised across processes
// on the same host with a lock file, so two API processes sharing dataDir cannot both accept the same link.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export type LinkDecision = 'approve' | 'reject';

export interface ApprovalLinkClaims {
  /** Normalised IP of the threat the link decides. */
  ip: string;
  /**
   * The case the link was minted for (`<cycle>-<nonce>`, the review's `review.case`). Links minted before case
   * binding have none; the workflow's validator refuses them.
   */
  case?: string;
  decision: LinkDecision;
  /** Who the link was issued to; recorded as the approver. */
  approver: string;
  durationHours?: number;
  /** Expiry, epoch seconds. */
  exp: number;
  /** Random nonce: two links with the same claims still have different signatures. */
  nonce: string;
}

/** An incident link: decides the alert investigation `alert/<incident>`. */
export interface IncidentLinkClaims {
  /** The incident id (the alert fingerprint). */
  incident: string;
  decision: 'approve' | 'reject' | 'acknowledge';
  /** Who the link was issued to; recorded as the operator. */
  approver: string;
  /** Expiry, epoch seconds. */
  exp: number;
  nonce: string;
}

const TOKEN_PREFIX = 'v1';
export const INCIDENT_TOKEN_PREFIX = 'i1';
const SIGNATURE_BYTES = 32;
const MAX_TOKEN_LENGTH = 2048;

const b64url = (buf: Buffer) => buf.toString('base64url');
const sign = (key: string, body: string, prefix = TOKEN_PREFIX) => createHmac('sha256', key).update(`${prefix}.${body}`).digest();

/** The fingerprint stored for a used link: a hash of its signature, never the signature or the token. */
export const signatureFingerprint = (signature: Buffer) => createHash('sha256').update(signature).digest('hex');

export function signApprovalLink(
  key: string,
  claims: Omit<ApprovalLinkClaims, 'exp' | 'nonce' | 'case'> & { case: string },
  opts: { ttlSeconds: number; now?: number },
): { token: string; claims: ApprovalLinkClaims } {
  if (!key) throw new Error('the link signing key is empty');
  const now = opts.now ?? Date.now();
  const full: ApprovalLinkClaims = {
    ip: claims.ip,
    case: claims.case,
    decision: claims.decision,
    approver: claims.approver,
    ...(claims.durationHours !== undefined ? { durationHours: claims.durationHours } : {}),
    exp: Math.floor(now / 1000) + Math.max(1, Math.floor(opts.ttlSeconds)),
    nonce: b64url(randomBytes(16)),
  };
  const body = b64url(Buffer.from(JSON.stringify(full), 'utf8'));
  return { token: `${TOKEN_PREFIX}.${body}.${b64url(sign(key, body))}`, claims: full };
}

/** Mints an incident link (decided through the same /approve/<token> page as threat links). */
export function signIncidentLink(
  key: string,
  claims: Omit<IncidentLinkClaims, 'exp' | 'nonce'>,
  opts: { ttlSeconds: number; now?: number },
): { token: string; claims: IncidentLinkClaims } {
  if (!key) throw new Error('the link signing key is empty');
  const now = opts.now ?? Date.now();
  const full: IncidentLinkClaims = {
    incident: claims.incident, decision: claims.decision, approver: claims.approver,
    exp: Math.floor(now / 1000) + Math.max(1, Math.floor(opts.ttlSeconds)), nonce: b64url(randomBytes(16)),
  };
  const body = b64url(Buffer.from(JSON.stringify(full), 'utf8'));
  return { token: `${INCIDENT_TOKEN_PREFIX}.${body}.${b64url(sign(key, body, INCIDENT_TOKEN_PREFIX))}`, claims: full };
}

export type Verification<C> =
  | { ok: true; claims: C; fingerprint: string }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired'; message: string };

export type LinkVerification = Verification<ApprovalLinkClaims>;
export type IncidentLinkVerification = Verification<IncidentLinkClaims>;

/** Format, signature (constant time), claim shape and expiry. Claims are only parsed after the signature matched. */
function verifyToken<C extends { exp: number }>(key: string, token: string, prefix: string, shapeOk: (c: C) => boolean, now: number): Verification<C> {
  const malformed = { ok: false, reason: 'malformed', message: 'the approval link is malformed' } as const;
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return malformed;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== prefix || !/^[A-Za-z0-9_-]+$/.test(parts[1]) || !/^[A-Za-z0-9_-]+$/.test(parts[2])) {
    return malformed;
  }
  const given = Buffer.from(parts[2], 'base64url');
  const expected = sign(key, parts[1], prefix);
  if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature', message: 'the approval link signature is not valid' };
  }
  let claims: C;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as C;
  } catch {
    return malformed;
  }
  if (!claims || typeof claims !== 'object' || !shapeOk(claims)) return malformed;
  if (claims.exp * 1000 <= now) {
    return { ok: false, reason: 'expired', message: `the approval link expired at ${new Date(claims.exp * 1000).toISOString()}` };
  }
  return { ok: true, claims, fingerprint: signatureFingerprint(given) };
}

/** Checks a threat link: format, signature (constant time) and expiry. */
export function verifyApprovalLink(key: string, token: string, now = Date.now()): LinkVerification {
  return verifyToken<ApprovalLinkClaims>(key, token, TOKEN_PREFIX, (c) =>
    typeof c.ip === 'string' && (c.decision === 'approve' || c.decision === 'reject') && typeof c.approver === 'string' &&
    typeof c.exp === 'number' && typeof c.nonce === 'string' && (c.case === undefined || typeof c.case === 'string'), now);
}

/** Checks an incident link: format, signature (constant time) and expiry. */
export function verifyIncidentLink(key: string, token: string, now = Date.now()): IncidentLinkVerification {
  return verifyToken<IncidentLinkClaims>(key, token, INCIDENT_TOKEN_PREFIX, (c) =>
    typeof c.incident === 'string' && (c.decision === 'approve' || c.decision === 'reject' || c.decision === 'acknowledge') &&
    typeof c.approver === 'string' && typeof c.exp === 'number' && typeof c.nonce === 'string', now);
}

/** Which kind of link a token is (by its prefix); verification still decides whether it is valid. */
export const isIncidentToken = (token: string) => typeof token === 'string' && token.startsWith(`${INCIDENT_TOKEN_PREFIX}.`);

interface UsedLinksFile {
  version: 1;
  /** fingerprint → expiry (epoch seconds) of the link it came from; pruned after expiry. */
  used: Record<string, number>;
}

/** Single-use bookkeeping for approval links, persisted atomically in one JSON file. */
export class UsedLinkStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string, private readonly now: () => number = Date.now) {}

  /** True when the fingerprint has been used (and its link has not yet expired). */
  async isUsed(fingerprint: string): Promise<boolean> {
    const data = await this.read();
    return fingerprint in data.used;
  }

  /**
   * Marks a fingerprint used. Returns false when it already was: the caller must refuse the link.
   * Claim before acting, so two concurrent requests with the same link cannot both act.
   */
  claim(fingerprint: string, expiresAtSeconds: number): Promise<boolean> {
    return this.exclusive(async () => {
      const data = await this.read();
      if (fingerprint in data.used) return false;
      data.used[fingerprint] = expiresAtSeconds;
      await this.write(data);
      return true;
    });
  }

  /** Undoes a claim when the decision could not be delivered at all (Temporal unavailable), so the link can be retried. */
  release(fingerprint: string): Promise<void> {
    return this.exclusive(async () => {
      const data = await this.read();
      if (!(fingerprint in data.used)) return;
      delete data.used[fingerprint];
      await this.write(data);
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      const unlock = await lockfile.lock(this.file, {
        realpath: false,
        lockfilePath: `${this.file}.lock`,
        stale: 10_000,
        retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
      });
      try {
        return await fn();
      } finally {
        await unlock();
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<UsedLinksFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, used: {} };
      throw err;
    }
    const parsed = JSON.parse(text) as UsedLinksFile;
    if (!parsed || parsed.version !== 1 || typeof parsed.used !== 'object') {
      throw new Error(`${this.file} is not a used-links store (version 1)`);
    }
    // Expired links are refused on their expiry alone; their fingerprints need not be kept.
    const nowSeconds = Math.floor(this.now() / 1000);
    for (const [fp, exp] of Object.entries(parsed.used)) if (exp < nowSeconds) delete parsed.used[fp];
    return parsed;
  }

  private async write(data: UsedLinksFile): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.file);
  }
}

export const usedLinksFile = (dataDir: string) => path.resolve(dataDir, 'approval-links-used.json');
