import { z } from 'zod';
import { hostPort, secretRef } from './common';

export const temporalSchema = z.strictObject({
  /** host:port of an existing cluster. Unset = start the embedded dev server (SQLite file under dataDir). */
  address: z.string().optional(),
  namespace: z.string().min(1).default('default'),
  /**
   * Base URL of the Temporal Web UI that operators open (links from the review page, Discord and `palisade show`).
   * Unset = the UI the embedded dev server serves; with `address` set and no uiUrl, no links are shown.
   */
  uiUrl: z.url({ protocol: /^https?$/, error: 'uiUrl must be an http(s) URL such as https://temporal.example.org' }).optional(),
  /**
   * host:port where this process's Temporal SDK serves its own Prometheus metrics (worker task slots, poll and task
   * latencies, sticky cache; see the README, Metrics). Unset = not exported. Each process needs its own port.
   */
  metricsAddress: hostPort.optional(),
  /** Temporal Cloud / secured clusters. */
  apiKey: secretRef.optional(),
  tls: z
    .strictObject({
      enabled: z.boolean().default(false),
      serverName: z.string().optional(),
      caFile: z.string().optional(),
      certFile: z.string().optional(),
      keyFile: z.string().optional(),
    })
    .prefault({}),
  taskQueue: z.string().min(1).default('palisade'),
  /** Side-effecting enforcement runs on its own queue so it can live on a locked-down worker near the firewall. */
  enforceTaskQueue: z.string().min(1).default('palisade-enforce'),
  /** The rate governor workflow has a queue of its own: its tasks never wait behind a burst of threat tasks. */
  governorTaskQueue: z.string().min(1).default('palisade-governor'),
  embedded: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(7233),
      uiPort: z.number().int().min(1).max(65535).default(8233),
      /** Relative to dataDir unless absolute. */
      dbFile: z.string().default('temporal.sqlite'),
      ip: z.string().default('127.0.0.1'),
    })
    .prefault({}),
});
