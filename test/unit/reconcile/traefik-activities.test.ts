// The enforcer side of the reconciler with the real Traefik enforcer against the fake apiserver: a Helm upgrade
// resets the deny list, the diff finds the missing block, re-apply restores it; an orphan is removed, a foreign
// entry is refused.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createReconcileActivities } from '../../../activities/reconcile';
import { createTraefikEnforcer } from '../../../activities/enforcers/traefik';
import { OWNED_ANNOTATION } from '../../../activities/enforcers/traefik/patch';
import { traefikSchema } from '../../../domain/config/enforcement';
import { diffBlocks, planRepairs, type DesiredBlock } from '../../../domain/reconcile';
import { startFakeKubernetesApi } from '../../fakes/kubernetes-api';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-reconcile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('reconcile activities on the Traefik enforcer', () => {
  void test('restore after a reset, remove an orphan, refuse a foreign entry', async () => {
    const k = await startFakeKubernetesApi();
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, k.kubeconfig());
      k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'deny', namespace: 'traefik' }, spec: { plugin: { denyip: { ipDenyList: ['198.51.100.1'] } } } });
      k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'app', namespace: 'web' }, spec: { routes: [{ match: 'Host(`a`)', kind: 'Rule', middlewares: [{ name: 'deny', namespace: 'traefik' }] }] } });
      const traefik = createTraefikEnforcer(traefikSchema.parse({ kubeconfig }));
      const acts = createReconcileActivities({ enforcers: { traefik } });
      const wanted: DesiredBlock = { workflowId: 'threat/203.0.113.9', ip: '203.0.113.9', target: '203.0.113.9/32', blockId: '203.0.113.9#2', direction: 'inbound' };
      const base = { blockId: '', direction: 'inbound' as const, reason: 't', dryRun: false };
      await traefik.apply({ ...base, blockId: wanted.blockId, ip: wanted.ip, target: wanted.target });
      await traefik.apply({ ...base, blockId: '203.0.113.50#1', ip: '203.0.113.50', target: '203.0.113.50/32' });

      // A Helm upgrade puts the chart's list back (our entries gone, our annotation left as it was).
      const mw = k.get('middlewares', 'traefik', 'deny')!;
      mw.spec.plugin.denyip.ipDenyList = ['198.51.100.1', '203.0.113.50/32'];
      k.put(mw);

      const listed = await acts.reconcileListEntries({ enforcer: 'traefik' });
      const diff = diffBlocks([wanted], listed);
      assert.deepEqual(diff.missing.map((d) => d.target), ['203.0.113.9/32']);
      assert.deepEqual(diff.orphans.map((o) => [o.target, o.blockId]), [['203.0.113.50/32', '203.0.113.50#1']]);
      assert.deepEqual(diff.foreign.map((o) => o.target), ['198.51.100.1/32']);
      const plan = planRepairs(diff, { removeOrphans: true, maxRepairs: 10 });

      const r = await acts.reconcileReapply({ enforcer: 'traefik', block: plan.reapply[0] });
      assert.equal(r.present, true, r.detail);
      await acts.reconcileRemoveOrphan({ enforcer: 'traefik', entry: plan.remove[0] });
      await assert.rejects(acts.reconcileRemoveOrphan({ enforcer: 'traefik', entry: diff.foreign[0] }),
        (e: unknown) => e instanceof ApplicationFailure && e.nonRetryable && /not an entry Palisade owns/.test(e.message));
      // Even an entry that claims to be ours under a blockId the object does not record is left alone by the enforcer.
      await acts.reconcileRemoveOrphan({ enforcer: 'traefik', entry: { target: '198.51.100.1/32', blockId: '198.51.100.1#1', ownedByPalisade: true } });

      const after = k.get('middlewares', 'traefik', 'deny')!;
      assert.deepEqual(after.spec.plugin.denyip.ipDenyList, ['198.51.100.1', '203.0.113.9/32']);
      assert.deepEqual(JSON.parse(after.metadata.annotations![OWNED_ANNOTATION]), { '203.0.113.9/32': '203.0.113.9#2' });
      await assert.rejects(acts.reconcileListEntries({ enforcer: 'pfsense' }), /no enforcer named "pfsense"/);
    } finally {
      await k.close();
    }
  });
});
