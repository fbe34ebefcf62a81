// Review page: the read-only parts of a threat (evidence, intel, proposal, policy decision, timeline), built from the
// workflow's state query. Text only (textContent through Palisade.el).
'use strict';

(function () {
  const { el, kv, list, block, fmtTime } = window.Palisade;

  function evidenceBlock(ev) {
    if (!ev) return block('Evidence', el('p', { class: 'muted' }, 'No evidence recorded.'));
    const statuses = Object.entries(ev.statusCounts || {}).map(([k, v]) => k + '×' + v).join('  ');
    return block('Evidence',
      kv([
        ['Sightings', ev.sightingCount],
        ['Sources', (ev.sources || []).join(', ')],
        ['Direction', ev.direction],
        ['Requests', ev.requestCount],
        ['Statuses', statuses],
        ['First seen', fmtTime(ev.firstSeen)],
        ['Last seen', fmtTime(ev.lastSeen)],
      ]),
      (ev.paths || []).length ? el('div', { class: 'sub' }, el('span', { class: 'label' }, 'Paths'), list(ev.paths, 'chips mono', 12)) : null,
      (ev.userAgents || []).length ? el('div', { class: 'sub' }, el('span', { class: 'label' }, 'User agents'), list(ev.userAgents, 'plain mono small', 5)) : null,
      (ev.narratives || []).length ? el('div', { class: 'sub' }, el('span', { class: 'label' }, 'Narrative'), list(ev.narratives, 'plain quote', 3)) : null,
    );
  }

  function intelBlock(intel) {
    if (!intel) return block('Threat intel', el('p', { class: 'muted' }, 'Not enriched yet.'));
    const gn = intel.greynoise;
    const flags = [];
    if (intel.knownBad) flags.push(el('span', { class: 'tag tag-bad' }, 'known bad'));
    if (intel.likelyFalsePositive) flags.push(el('span', { class: 'tag tag-warn' }, 'likely false positive'));
    if (intel.isTor) flags.push(el('span', { class: 'tag' }, 'Tor'));
    return block('Threat intel',
      flags.length ? el('div', { class: 'tags' }, flags) : null,
      kv([
        ['Composite score', intel.compositeScore],
        ['Confidence', intel.confidence],
        ['Organisation', intel.org],
        ['ASN', intel.asn],
        ['Country', intel.country],
        ['AbuseIPDB', intel.abuseScore !== undefined ? intel.abuseScore + ' (' + (intel.abuseReports || 0) + ' reports)' : undefined],
        ['OTX pulses', intel.otxPulses],
        ['GreyNoise', gn ? gn.classification + (gn.riot ? ', RIOT' : '') + (gn.name ? ' (' + gn.name + ')' : '') : undefined],
        ['Usage', intel.usageType],
      ]),
      (intel.notes || []).length ? list(intel.notes, 'plain small muted', 5) : null,
    );
  }

  function proposalBlock(p) {
    if (!p) return block('Proposal', el('p', { class: 'muted' }, 'No proposal yet.'));
    const origin = p.origin === 'llm' && p.llm ? 'LLM · ' + p.llm.provider + ' / ' + p.llm.model : p.origin === 'llm' ? 'LLM' : 'rule-based';
    return block('Proposal',
      el('div', { class: 'proposal-head' },
        el('span', { class: p.action === 'block' ? 'tag tag-bad' : 'tag' }, p.action === 'block' ? 'block' : 'no action'),
        p.action === 'block' ? el('span', {}, p.durationHours + ' h') : null,
        el('span', { class: 'muted small' }, 'confidence ' + Math.round((p.confidence || 0) * 100) + '%'),
        p.recommendPermanent ? el('span', { class: 'tag tag-warn' }, 'recommends permanent') : null,
      ),
      el('p', { class: 'reason' }, p.reason || ''),
      p.notes ? el('p', { class: 'muted small' }, p.notes) : null,
      el('p', { class: 'muted small' }, origin),
      p.llm && p.llm.failure ? el('p', { class: 'warn small' }, 'LLM answer not used: ' + p.llm.failure) : null,
    );
  }

  function decisionBlock(state) {
    const d = state.decision;
    if (!d) return block('Policy decision', el('p', { class: 'muted' }, 'Not decided yet.'));
    return block('Policy decision',
      el('div', { class: 'proposal-head' },
        el('span', { class: 'tag tag-info' }, d.kind),
        d.block ? el('span', {}, d.block.target + ' for ' + d.block.durationHours + ' h') : null,
        d.dryRun ? el('span', { class: 'tag tag-warn' }, 'dry run') : null,
      ),
      list(d.reasons, 'reasons', 12),
    );
  }

  function timelineBlock(state) {
    const entries = (state.timeline || []).slice(-30);
    const details = el('details', { class: 'timeline' }, el('summary', {}, 'Timeline (' + (state.timeline || []).length + ' events)'));
    const ol = el('ol', {});
    for (const t of entries) {
      ol.append(el('li', {}, el('time', { datetime: t.at }, fmtTime(t.at)), ' ', el('strong', {}, t.event), t.detail ? el('span', { class: 'muted' }, ' — ' + t.detail) : null));
    }
    details.append(ol);
    return details;
  }

  /** The body of a threat card: the four read-only blocks (or why the state is missing). */
  function threatBody(state, detail) {
    return el('div', { class: 'grid' },
      state ? evidenceBlock(state.evidence) : block('State', el('p', { class: 'warn' }, (detail && detail.stateError) || 'Loading…')),
      state ? intelBlock(state.intel) : null,
      state ? proposalBlock(state.proposal) : null,
      state ? decisionBlock(state) : null,
    );
  }

  window.Palisade.threatDetails = { threatBody, timelineBlock };
})();
