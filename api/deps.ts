import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../domain/config';
import type { UsedLinkStore } from '../runtime/signed-links';
import type { ApiSecrets } from './secrets';

/** What the API's routers need; built once by createApiServer. */
export interface ApiDeps {
  config: PalisadeConfig;
  client: Client;
  logger: Logger;
  secrets: ApiSecrets;
  usedLinks: UsedLinkStore;
  /** How long an operator action waits for a worker before answering 503. */
  operatorTimeoutMs?: number;
}
