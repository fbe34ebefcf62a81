// `palisade sign`: mint a signed, expiring, single-use approval link (runtime/signed-links), e.g. to hand a decision
// to someone without API access. The link records the named approver and channel 'signed-link' when used, and is
// bound to the case pending when it was minted (domain/case-binding): it is refused for any later case of the IP.
import type { Command } from 'commander';
import { parseCaseRef } from '../../domain/case-binding';
import type { PalisadeConfig } from '../../domain/config';
import { getThreat, normaliseThreatIp, requirePendingCase } from '../../runtime/operator-actions';
import { readSecret } from '../../runtime/secrets';
import { signApprovalLink } from '../../runtime/signed-links';
import { CliError, EXIT, globals, loadCliConfig, parseHours, withClient } from '../context';

/** The signing key and the link lifetime (`--ttl` or api.signedLinkTtlSeconds) every `sign` command needs. */
export async function linkSigning(config: PalisadeConfig, ttl: string | undefined): Promise<{ key: string; ttlSeconds: number }> {
  const key = await readSecret(config.api.linkSigningKey);
  if (!key) throw new CliError('no link signing key: set the secret api.linkSigningKey refers to (default PALISADE_LINK_SIGNING_KEY)', EXIT.usage);
  const ttlSeconds = ttl !== undefined ? Number(ttl) : config.api.signedLinkTtlSeconds;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > 7 * 86_400) throw new CliError(`--ttl must be whole seconds between 1 and ${7 * 86_400}`, EXIT.usage);
  return { key, ttlSeconds };
}

export function registerSignCommand(program: Command) {
  program
    .command('sign <ip>')
    .description('mint a signed approval link for a threat')
    .requiredOption('--approver <name>', 'who the link is issued to (recorded as the approver)')
    .option('--decision <decision>', 'approve or reject', 'approve')
    .option('--duration <hours>', 'block duration in hours for an approval', parseHours)
    .option('--ttl <seconds>', 'link lifetime in seconds (default api.signedLinkTtlSeconds)')
    .option('--case <ref>', 'the case the link is for (<cycle>-<nonce>, as `threats show` prints; default: the pending case)')
    .option('--no-check', 'do not read the threat from Temporal (offline; needs --case)')
    .action(async (ipArg: string, opts: { approver: string; decision: string; duration?: number; ttl?: string; check: boolean; case?: string }, cmd: Command) => {
      if (opts.decision !== 'approve' && opts.decision !== 'reject') throw new CliError(`--decision must be approve or reject, not ${JSON.stringify(opts.decision)}`, EXIT.usage);
      const ip = normaliseThreatIp(ipArg);
      const g = globals(cmd);
      const config = loadCliConfig(g);
      const { key, ttlSeconds } = await linkSigning(config, opts.ttl);
      if (opts.case !== undefined && !parseCaseRef(opts.case)) throw new CliError(`--case must be a case reference like 3-9f2c4e1a7b3d, not ${JSON.stringify(opts.case.slice(0, 48))}`, EXIT.usage);
      let caseRef = opts.case;
      if (opts.check) {
        const pending = await withClient(g, async ({ client }) => requirePendingCase(await getThreat(client, ip)));
        if (caseRef !== undefined && caseRef !== pending) throw new CliError(`case ${caseRef} is not the review pending for ${ip} (${pending})`, EXIT.invalidState);
        caseRef = pending;
      }
      if (caseRef === undefined) throw new CliError('--no-check needs --case: a link is bound to one case', EXIT.usage);
      const { token, claims } = signApprovalLink(key, {
        ip, case: caseRef, decision: opts.decision, approver: opts.approver, ...(opts.duration !== undefined ? { durationHours: opts.duration } : {}),
      }, { ttlSeconds });
      process.stdout.write(`${config.api.publicUrl.replace(/\/+$/, '')}/approve/${token}\n`);
      process.stderr.write(`${claims.decision} ${claims.ip} case ${caseRef} as ${claims.approver}; expires ${new Date(claims.exp * 1000).toISOString()}; single use\n`);
    });
}
