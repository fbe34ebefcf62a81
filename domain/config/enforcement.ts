import { z } from 'zod';
import { httpUrl, secretRef } from './common';

export const pfsenseSchema = z.strictObject({
  host: z.string().min(1),
  /** Transports tried in order; the first that succeeds wins. */
  transports: z.array(z.enum(['rest', 'xmlrpc', 'ssh'])).min(1).default(['rest', 'xmlrpc', 'ssh']),
  alias: z.string().regex(/^[A-Za-z0-9_]{1,31}$/, 'pfSense alias names are letters, digits and _ (max 31)').default('PALISADE_BLOCK'),
  aliasType: z.enum(['host', 'network']).default('network'),
  /**
   * Interfaces on which an enabled block/reject rule must reference the alias (source for inbound blocks,
   * destination for outbound); checked at start and before every apply, which is refused without one.
   */
  interfaces: z.array(z.string().regex(/^[a-z0-9_]{1,32}$/, 'a pfSense interface id such as wan, lan, opt1')).min(1).default(['wan']),
  createAlias: z.boolean().default(false),
  verifyTls: z.boolean().default(true),
  caFile: z.string().optional(),
  timeoutSeconds: z.number().positive().max(300).default(20),
  rest: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(443),
      scheme: z.enum(['https', 'http']).default('https'),
      auth: z.enum(['api-key', 'basic', 'jwt']).default('api-key'),
      apiKey: secretRef.optional(),
      username: z.string().optional(),
      password: secretRef.optional(),
    })
    .prefault({}),
  xmlrpc: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(443),
      scheme: z.enum(['https', 'http']).default('https'),
      username: z.string().default('admin'),
      password: secretRef.optional(),
    })
    .prefault({}),
  ssh: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(22),
      username: z.string().default('admin'),
      privateKey: secretRef.optional(),
      password: secretRef.optional(),
      /** Pinned host key: "SHA256:<base64>" fingerprint. Required: host keys are never auto-accepted. */
      hostKeySha256: z.string().regex(/^SHA256:[A-Za-z0-9+/=]+$/, 'must be SHA256:<base64> (ssh-keygen -lf)').optional(),
      /** persistent = edit config.xml alias through PHP; runtime = pfctl table only (lost on filter reload). */
      mode: z.enum(['persistent', 'runtime']).default('persistent'),
      killStates: z.boolean().default(false),
      /** Absolute paths of the binaries run on the firewall (pfSense defaults). */
      phpPath: z.string().regex(/^\/[A-Za-z0-9_./-]+$/, 'an absolute path').default('/usr/local/bin/php'),
      pfctlPath: z.string().regex(/^\/[A-Za-z0-9_./-]+$/, 'an absolute path').default('/sbin/pfctl'),
    })
    .prefault({}),
  /** Window in which concurrent block/unblock requests are batched into one alias write. */
  batchWindowMs: z.number().int().min(0).max(60_000).default(250),
});

export const traefikSchema = z.strictObject({
  /** kubeconfig path; unset = in-cluster service account. */
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  namespace: z.string().default('traefik'),
  /** Preference order of patterns when several exist. */
  preference: z.array(z.enum(['deny-plugin', 'crowdsec', 'ip-allowlist', 'network-policy'])).min(1)
    .default(['deny-plugin', 'crowdsec', 'ip-allowlist', 'network-policy']),
  /** Pin one deny-plugin Middleware ("name" in `namespace`, or "ns/name") instead of discovering. */
  middleware: z.string().regex(/^([a-z0-9-.]+\/)?[a-z0-9-.]+$/, 'a Middleware name or ns/name').optional(),
  /** Namespaces searched for Middlewares and IngressRoutes; unset = all namespaces (needs a ClusterRole). */
  namespaces: z.array(z.string().min(1)).min(1).optional(),
  /** Label selector of the Traefik pods (for NetworkPolicy fallback). */
  traefikPodSelector: z.record(z.string(), z.string()).default({ 'app.kubernetes.io/name': 'traefik' }),
  timeoutSeconds: z.number().positive().max(300).default(15),
  /**
   * Traefik's API (the `api` entrypoint), read-only: confirms the chosen Middleware is enabled and used by routers
   * (checked before apply) and that it carries the new entry (the `loaded` verification level).
   */
  api: z
    .strictObject({
      url: httpUrl,
      username: z.string().optional(),
      password: secretRef.optional(),
      timeoutSeconds: z.number().positive().max(60).default(5),
    })
    .optional(),
  /** Re-reads after a 409 Conflict (someone else changed the object) before giving up. */
  maxConflictRetries: z.number().int().min(0).max(20).default(5),
});

export const enforcementSchema = z.strictObject({
  /** Which enforcer handles blocks. simulated = record what would happen (dry-run is also honoured per block). */
  /** memory = an in-process block set (benchmarks and tests). */
  enforcer: z.enum(['simulated', 'pfsense', 'traefik', 'memory']).default('simulated'),
  pfsense: pfsenseSchema.optional(),
  traefik: traefikSchema.optional(),
  reconcile: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMinutes: z.number().positive().max(24 * 60).default(15),
      /** Remove entries Palisade owns that no workflow wants (entries Palisade did not create are never touched). */
      removeOrphans: z.boolean().default(false),
      /** Upper bound on repairs (re-applies + orphan removals) per run, so one bad listing cannot cause a storm. */
      maxRepairsPerRun: z.number().int().min(1).max(10_000).default(200),
    })
    .prefault({}),
});
