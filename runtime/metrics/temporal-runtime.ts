// The Temporal SDK's own metrics (worker task slots, poll and task latencies, sticky cache, activity and workflow
// task counts) are produced by the SDK core (Rust) and cannot join prom-client's registry: the core runtime serves
// them on a listener of its own, configured once per process before the first connection (temporal.metricsAddress).
import { Runtime } from '@temporalio/worker';

let installedAddress: string | undefined;

/**
 * Installs the core runtime with its Prometheus exporter on `bindAddress` (host:port). Must run before the first
 * Temporal connection of the process; a second call with the same address is a no-op, with another it throws.
 */
export function installTemporalMetrics(bindAddress: string): void {
  if (installedAddress === bindAddress) return;
  if (installedAddress !== undefined) throw new Error(`the Temporal SDK metrics exporter already listens on ${installedAddress}; one per process`);
  try {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } } });
  } catch (err) {
    // A busy port, or a runtime this process created before (it must be the first Temporal call of the process).
    throw new Error(`cannot export the Temporal SDK metrics on ${bindAddress} (temporal.metricsAddress): ${err instanceof Error ? err.message : String(err)}`);
  }
  installedAddress = bindAddress;
}
