// The durable allowlist (the `palisade-allowlist` workflow, runtime/allowlist.ts): list, add, remove.
import { Router } from 'express';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { parseCidr } from '../../domain/ip';
import { protectedCidrProblem } from '../../domain/never-block';
import { addAllowlistEntry, listAllowlist, removeAllowlistEntry } from '../../runtime/allowlist';
import { toOperatorError } from '../../runtime/operator-actions';
import type { ApiDeps } from '../deps';
import { ApiError, validate } from '../errors';
import { allowlistAddBody, allowlistRemoveBody } from '../schemas';

/** A CIDR (or a bare IP, taken as /32 or /128) in canonical form; host bits set is an error, not a guess. */
export function canonicalCidr(input: string): string {
  const r = parseCidr(input);
  if (!r.ok) throw new ApiError(400, `not an IP address or CIDR: ${r.reason}`);
  return r.cidr;
}

/** An entry to add: canonical, and no wider than the config accepts for never-block lists (no 0.0.0.0/0). */
export function allowlistCidr(input: string): string {
  const cidr = canonicalCidr(input);
  const problem = protectedCidrProblem(cidr);
  if (problem) throw new ApiError(400, `refused: ${problem}`);
  return cidr;
}

function allowlistError(err: unknown): Error {
  if (err instanceof WorkflowUpdateFailedError) {
    const why = err.cause?.message || err.message;
    return new ApiError(/^no allowlist entry/.test(why) ? 404 : 400, why);
  }
  return toOperatorError(err, 'the allowlist');
}

export function createAllowlistRouter({ client, config, logger }: Pick<ApiDeps, 'client' | 'config' | 'logger'>): Router {
  const router = Router();

  router.get('/allowlist', async (_req, res) => {
    try {
      res.json({ entries: await listAllowlist(client) });
    } catch (err) {
      throw allowlistError(err);
    }
  });

  router.post('/allowlist', async (req, res) => {
    const b = validate(allowlistAddBody, req.body);
    if (b.expiresAt && Date.parse(b.expiresAt) <= Date.now()) throw new ApiError(400, 'expiresAt is in the past');
    const entry = { cidr: allowlistCidr(b.cidr), description: b.description, ...(b.expiresAt ? { expiresAt: b.expiresAt } : {}) };
    try {
      const entries = await addAllowlistEntry(client, config, entry, b.approver);
      logger.info({ cidr: entry.cidr, by: b.approver }, 'allowlist entry added');
      res.status(201).json({ entry, entries });
    } catch (err) {
      throw allowlistError(err);
    }
  });

  router.delete('/allowlist', async (req, res) => {
    const b = validate(allowlistRemoveBody, req.body);
    const cidr = canonicalCidr(b.cidr);
    try {
      const entries = await removeAllowlistEntry(client, config, cidr, b.approver);
      logger.info({ cidr, by: b.approver }, 'allowlist entry removed');
      res.json({ removed: cidr, entries });
    } catch (err) {
      throw allowlistError(err);
    }
  });

  return router;
}
