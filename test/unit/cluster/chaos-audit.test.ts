// The chaos harness's verdict (bench/chaos/audit.ts): what counts as lost, duplicated and orphaned.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { audit, type Expected, type ThreatView } from '../../../bench/chaos/audit';

const OP = '198.51.100.7/32';
const steps = (...s: string[]) => s.map((step) => ({ step }));
const held = (ip: string): ThreatView => ({ ip, status: 'blocked', enforcement: steps('apply', 'verify'), block: { permanent: true } });
const expired = (ip: string): ThreatView => ({ ip, status: 'watching', outcome: 'expired', enforcement: steps('apply', 'verify', 'remove', 'verify_removal'), block: { liftedAt: 'x' } });
const rejected = (ip: string): ThreatView => ({ ip, status: 'watching', outcome: 'rejected', enforcement: [] });

function run(expected: [string, Expected][], states: ThreatView[], firewall: string[], heldBefore: string[] = []) {
  return audit({
    expected: new Map(expected), states: new Map(expected.map(([ip]) => [ip, states.find((s) => s.ip === ip)])),
    firewall, operatorEntries: [OP], heldBefore,
  });
}

describe('chaos audit', () => {
  const E: [string, Expected][] = [['45.100.1.10', 'held'], ['45.100.2.10', 'expired'], ['45.100.3.10', 'rejected']];
  const good = [held('45.100.1.10'), expired('45.100.2.10'), rejected('45.100.3.10')];
  const cases: [string, ThreatView[], string[], Partial<Record<'lost' | 'duplicated' | 'orphaned', number>>, string[]?][] = [
    ['everything where it should be', good, [OP, '45.100.1.10/32'], {}],
    ['a held block missing from the firewall is lost', good, [OP], { lost: 1 }],
    ['a threat with no workflow is lost', good.slice(1), [OP], { lost: 1 }],
    ['a failed outcome instead of expired is lost', [good[0]!, { ...expired('45.100.2.10'), outcome: 'failed' }, good[2]!], [OP, '45.100.1.10/32'], { lost: 1 }],
    ['an approved block not made permanent is lost', [{ ...held('45.100.1.10'), block: {} }, good[1]!, good[2]!], [OP, '45.100.1.10/32'], { lost: 1 }],
    ['a rejected case that was applied is lost', [good[0]!, good[1]!, { ...rejected('45.100.3.10'), enforcement: steps('apply') }], [OP, '45.100.1.10/32'], { lost: 1 }],
    ['an entry twice in the alias is duplicated', good, [OP, '45.100.1.10/32', '45.100.1.10/32'], { duplicated: 1 }],
    ['two applies in one history are duplicated', [{ ...held('45.100.1.10'), enforcement: steps('apply', 'apply', 'verify') }, good[1]!, good[2]!], [OP, '45.100.1.10/32'], { duplicated: 1, lost: 1 }],
    ['a threat reopened into a second cycle (its sighting processed twice) is duplicated', [good[0]!, { ...expired('45.100.2.10'), cycle: 2 }, good[2]!], [OP, '45.100.1.10/32'], { duplicated: 1 }],
    ['an expired block left on the firewall is orphaned', good, [OP, '45.100.1.10/32', '45.100.2.10/32'], { orphaned: 1 }],
    ['an earlier scenario\'s held block is kept', good, [OP, '45.100.1.10/32', '45.100.9.10/32'], {}, ['45.100.9.10/32']],
    ['an earlier scenario\'s held block gone is lost', good, [OP, '45.100.1.10/32'], { lost: 1 }, ['45.100.9.10/32']],
  ];
  for (const [name, states, firewall, want, before] of cases) {
    test(name, () => {
      const r = run(E, states, firewall, before);
      assert.deepEqual({ lost: r.lost, duplicated: r.duplicated, orphaned: r.orphaned }, { lost: 0, duplicated: 0, orphaned: 0, ...want }, r.problems.join('; '));
    });
  }
});
