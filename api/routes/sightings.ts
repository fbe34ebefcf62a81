// Manual sightings from operators or other systems. The caller's score is never trusted: it is kept as evidence
// (extra.claimedScore) and the sighting enters with score 0; the workflow's enrichment recomputes the score from intel.
import { Router } from 'express';
import { screenTarget } from '../../domain/policy';
import { listAllowlist } from '../../runtime/allowlist';
import { normaliseThreatIp, toOperatorError } from '../../runtime/operator-actions';
import { SightingRejected, submitSighting } from '../../runtime/sightings';
import type { Sighting } from '../../domain/types';
import type { ApiDeps } from '../deps';
import { ApiError, validate } from '../errors';
import { sightingBody } from '../schemas';

export function createSightingsRouter({ client, config, logger }: Pick<ApiDeps, 'client' | 'config' | 'logger'>): Router {
  const router = Router();
  router.post('/sightings', async (req, res) => {
    const b = validate(sightingBody, req.body);
    const ip = normaliseThreatIp(b.ip);
    // A never-block address (loopback, private, own networks, allowlisted...) would only open a case that can never
    // end in a block: refuse it up front with the reason, starting nothing.
    let runtimeAllowlist;
    try {
      runtimeAllowlist = await listAllowlist(client);
    } catch (err) {
      throw toOperatorError(err, ip);
    }
    const screen = screenTarget(ip, config.policy, runtimeAllowlist, new Date().toISOString());
    if (!screen.blockable) throw new ApiError(400, `refused: ${screen.reason}`);
    const extra: Record<string, string | number | boolean> = { ...(b.evidence.extra ?? {}) };
    if (b.score !== undefined) extra.claimedScore = b.score;
    if (b.knownBad !== undefined) extra.claimedKnownBad = b.knownBad;
    if (b.reason) extra.reason = b.reason;
    if (b.submittedBy) extra.submittedBy = b.submittedBy;
    const sighting: Sighting = {
      source: 'manual',
      score: 0,
      direction: b.direction,
      observedAt: new Date().toISOString(),
      evidence: {
        ...b.evidence,
        ...(b.evidence.summary || !b.reason ? {} : { summary: b.reason }),
        ...(Object.keys(extra).length ? { extra } : {}),
      },
    };
    let workflowId: string;
    try {
      ({ workflowId } = await submitSighting(client, config, ip, sighting));
    } catch (err) {
      if (err instanceof SightingRejected) throw new ApiError(400, err.message);
      throw toOperatorError(err, ip);
    }
    logger.info({ ip, workflowId, submittedBy: b.submittedBy }, 'manual sighting submitted');
    res.status(202).json({ workflowId, ip });
  });
  return router;
}
