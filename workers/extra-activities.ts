// Activities of the detection, alert and reconciliation parts, registered on the main queue.
import type { WorkerDeps } from './index';

export async function extraActivities(_deps: WorkerDeps): Promise<Record<string, (...args: any[]) => Promise<unknown>>> {
  return {};
}
