// The one prom-client registry of a process (the default registry) and how it is served. Each process role serves
// it at GET /metrics: the API role on its HTTP port, worker roles on workers.metricsHost:metricsPort (serve.ts).
// A metric is registered where its concern lives (cases.ts, enforcement.ts, scans.ts, api.ts, ...); a process only
// shows the series its code paths have set.
import client from 'prom-client';

export const registry = client.register;

/** Registers a metric once: modules can be loaded twice under test runners; reuse what is already registered. */
export function once<T extends client.Metric>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

let defaultsCollected = false;
/** Process metrics (CPU, memory, event loop lag), once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  client.collectDefaultMetrics({ prefix: 'palisade_process_' });
}

export const metricsContentType = () => registry.contentType;
export const renderMetrics = () => registry.metrics();
