// One durable workflow per suspicious IP (`threat/<ip>`, or `threat/<prefix>` for an IPv6 prefix case): the lifecycle of ../shared/design.md.
//
//   sighting(s) → evaluate → propose → decide → [review] → apply + verify → hold → lift + verify removal → watch
//
// One run is one case (cycle). After its outcome the run stays open to remember the IP and merge late sightings;
// a sighting that reopens the case continues-as-new into the next cycle, carrying the block count that drives the
// duration ladder. Decisions are pure functions from domain/, run as local activities whose results are the audit
// trail; everything that touches a firewall is an activity on the enforcement queue.
import type { ThreatRunResult, ThreatWorkflowInput } from '../../domain/threat-state';
import { applyBlock, holdAndLift } from './block-saga';
import { ThreatCase } from './case';
import { decideCase } from './deciding';
import { watch } from './watch';

export async function threatWorkflow(input: ThreatWorkflowInput): Promise<ThreatRunResult> {
  const c = new ThreatCase(input);
  if (c.carry.resumeHold) {
    c.note('resumed holding the block after continue-as-new');
    await holdAndLift(c);
    return watch(c);
  }
  await c.open();
  const verdict = await decideCase(c);
  if (verdict.kind === 'close') await c.close(verdict.outcome, verdict.reasons);
  else if (await applyBlock(c, verdict.target, verdict.durationHours, verdict.address)) await holdAndLift(c);
  return watch(c);
}
