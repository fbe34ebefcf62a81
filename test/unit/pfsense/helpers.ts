// Shared set-up for the pfSense enforcer tests: config through the real schema, secrets through env references.
import path from 'node:path';
import { FAKE_BIN_DIR } from '../../fakes/pfsense-ssh/sshd';
import { pfsenseSchema } from '../../../domain/config/enforcement';
import type { BlockRequest } from '../../../domain/types';
import type { PfSenseConfig } from '../../../activities/enforcers/pfsense';

export const SECRET_ENV = {
  apiKey: 'PALISADE_TEST_PFREST_KEY',
  restPassword: 'PALISADE_TEST_PFREST_PASSWORD',
  xmlrpcPassword: 'PALISADE_TEST_PFXMLRPC_PASSWORD',
  sshKey: 'PALISADE_TEST_PFSSH_KEY',
};
export const SECRETS = { apiKey: 'k3y-for-tests', restPassword: 'rest-pass', xmlrpcPassword: 'xml-pass' };
process.env[SECRET_ENV.apiKey] = SECRETS.apiKey;
process.env[SECRET_ENV.restPassword] = SECRETS.restPassword;
process.env[SECRET_ENV.xmlrpcPassword] = SECRETS.xmlrpcPassword;

export function pfConfig(over: Record<string, unknown>): PfSenseConfig {
  return pfsenseSchema.parse({
    host: '127.0.0.1',
    verifyTls: true,
    timeoutSeconds: 10,
    batchWindowMs: 5,
    createAlias: true,
    ...over,
    rest: { scheme: 'http', apiKey: { env: SECRET_ENV.apiKey }, password: { env: SECRET_ENV.restPassword }, username: 'admin', ...(over.rest as object) },
    xmlrpc: { scheme: 'http', password: { env: SECRET_ENV.xmlrpcPassword }, ...(over.xmlrpc as object) },
    // The PHP that XML-RPC runs reads pf's table with this pfctl (the fake one here).
    ssh: { pfctlPath: path.join(FAKE_BIN_DIR, 'pfctl'), ...(over.ssh as object) },
  });
}

export function block(ip: string, cycle = 1, reason = 'secrets scanner'): BlockRequest {
  return { blockId: `${ip}#${cycle}`, ip, target: `${ip}/${ip.includes(':') ? 128 : 32}`, direction: 'inbound', reason, dryRun: false, enforcer: 'pfsense' };
}

/** n distinct documentation-range addresses. */
export const ips = (n: number, base = 0) =>
  Array.from({ length: n }, (_, i) => `203.0.${113 + Math.floor((i + base) / 250)}.${((i + base) % 250) + 1}`);

/** The rule an operator adds for the block alias, in config.xml's shape (filter/rule): Block, source <alias>, on WAN. */
export const configRule = (alias = 'PALISADE_BLOCK', over: Record<string, unknown> = {}) => ({
  type: 'block', interface: 'wan', ipprotocol: 'inet46', source: { address: alias }, destination: { any: '' }, descr: `Palisade: block ${alias}`, ...over,
});

/** config.json for the PHP stub: the given config sections plus the block rule (unless `filter` is given). */
export const fakeConfig = (config: Record<string, unknown> = {}) => JSON.stringify({ config: { filter: { rule: [configRule()] }, ...config } });
