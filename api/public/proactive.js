// Review page: the "Proactive" panel. The latest cycle's hotspots with their ack ids and verdicts (and why), an inline
// Ack (reason, hours) per hotspot, the muted list with Unack, and links to the incidents the loop opened.
// Hotspot titles, label values and reasons come from scraped metrics and operators: text nodes only, never innerHTML.
'use strict';

(function () {
  const R = window.PalisadeReview;
  if (!R) return;
  const { el, api, session, fmtTime, fmtRelative, table, head, showCount, formStatus } = R;
  const $ = (id) => document.getElementById(id);

  const verdictClass = { investigated: 'tag-bad', reported: 'tag-warn', muted: '', over_budget: 'tag-info', cooling_down: 'tag-info', below_floor: '' };
  const severityClass = { critical: 'score score-crit', high: 'score score-high', medium: 'score score-mid', low: 'score score-low', info: 'score' };
  const label = (s) => String(s || '').replace(/_/g, ' ');

  function incidentCell(d, status) {
    const inv = (status.investigations || []).filter((i) => i.fingerprint === d.fingerprint && i.workflowId).slice(-1)[0]
      || (d.investigationWorkflowId ? { workflowId: d.investigationWorkflowId } : undefined);
    if (!inv) return el('span', { class: 'muted' }, '—');
    const href = status.links && status.links.incidents && status.links.incidents[inv.workflowId];
    const text = inv.workflowId + (inv.status === 'failed' || inv.status === 'resolved' ? ' (' + inv.status + ')' : '');
    if (typeof href === 'string' && /^https?:\/\//.test(href)) {
      return el('a', { class: 'incident-link mono small', href, target: '_blank', rel: 'noopener noreferrer', title: 'Open the investigation in the Temporal UI' }, text + ' ↗');
    }
    return el('span', { class: 'mono small' }, text);
  }

  // Forms keep what the operator is typing across refreshes: one per fingerprint, reused.
  const ackForms = new Map();

  function ackForm(d) {
    let entry = ackForms.get(d.fingerprint);
    if (entry) return entry.node;
    const reason = el('input', { name: 'reason', maxlength: 500, placeholder: 'Why mute it', 'aria-label': 'Reason for the ack ' + d.ackId });
    const hours = el('input', { name: 'hours', type: 'number', min: 1, max: 720, step: 1, value: 24, class: 'duration', 'aria-label': 'Hours' });
    const status = formStatus();
    const button = el('button', { type: 'button', class: 'btn btn-small btn-secondary', dataset: { action: 'ack' } }, 'Ack');
    async function send() {
      status.sending();
      button.disabled = true;
      // The full fingerprint: exact, whatever other hotspot shares the short id.
      const body = { fingerprint: d.fingerprint, reason: reason.value.trim(), approver: session.name, channel: 'review-page' };
      if (hours.value !== '') body.ttlHours = Number(hours.value);
      try {
        const r = await api('POST', '/api/proactive/ack', body);
        status.ok('Acked until ' + fmtTime(r.suppression.expiresAt));
        reason.value = '';
        setTimeout(proactive.refresh, 300);
      } catch (err) {
        status.error(err.message);
      } finally {
        button.disabled = false;
      }
    }
    button.addEventListener('click', send);
    const node = el('div', { class: 'hold proactive-ack', dataset: { fingerprint: d.fingerprint } }, reason, hours, el('span', { class: 'muted small' }, 'h'), button, status.node);
    ackForms.set(d.fingerprint, { node });
    return node;
  }

  function renderHotspots(status) {
    const decisions = (status.lastCycle && status.lastCycle.decisions) || [];
    const muted = new Set((status.suppressions || []).map((s) => s.fingerprint));
    const seen = new Set();
    const rows = decisions.map((d) => {
      seen.add(d.fingerprint);
      return el('tr', { dataset: { fingerprint: d.fingerprint, ackId: d.ackId, verdict: d.verdict } },
        el('td', { class: 'mono', 'data-label': 'Ack id', title: d.fingerprint }, d.ackId),
        el('td', { 'data-label': 'Severity' }, el('span', { class: severityClass[d.severity] || 'score' }, d.severity)),
        el('td', { 'data-label': 'Hotspot' }, el('div', {}, d.title), el('div', { class: 'muted small' }, d.source + ' · ' + d.rule)),
        el('td', { 'data-label': 'Verdict' }, el('span', { class: 'tag ' + (verdictClass[d.verdict] || '') }, label(d.verdict)), el('div', { class: 'muted small' }, d.why)),
        el('td', { 'data-label': 'Incident' }, incidentCell(d, status)),
        el('td', { class: 'actions-col', 'data-label': 'Ack' }, muted.has(d.fingerprint) ? el('span', { class: 'muted small' }, 'muted') : ackForm(d)),
      );
    });
    for (const fp of [...ackForms.keys()]) if (!seen.has(fp) || muted.has(fp)) ackForms.delete(fp);
    // Re-attaching the kept form nodes moves them into the new rows, with their typed values.
    $('proactive-body').replaceChildren(...rows);
    showCount('proactive', decisions.length);
  }

  function unackButton(s) {
    const status = formStatus();
    const button = el('button', { type: 'button', class: 'btn btn-small btn-secondary', dataset: { action: 'unack' } }, 'Unack');
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.sending();
      try {
        await api('POST', '/api/proactive/unack', { fingerprint: s.fingerprint, approver: session.name, channel: 'review-page' });
        status.ok('Unacked');
        setTimeout(proactive.refresh, 300);
      } catch (err) {
        status.error(err.message);
        button.disabled = false;
      }
    });
    return el('div', { class: 'hold' }, button, status.node);
  }

  function renderMuted(list) {
    $('proactive-muted-body').replaceChildren(...list.map((s) => el('tr', { dataset: { fingerprint: s.fingerprint, ackId: s.ackId } },
      el('td', { class: 'mono', 'data-label': 'Ack id', title: s.fingerprint }, s.ackId),
      el('td', { 'data-label': 'Hotspot' }, s.title),
      el('td', { 'data-label': 'Reason' }, s.reason),
      el('td', { 'data-label': 'Acked by' }, s.operator + ' via ' + s.channel, el('div', { class: 'muted small' }, fmtTime(s.at))),
      el('td', { 'data-label': 'Until', title: fmtTime(s.expiresAt) }, 'stops firing, or ' + fmtRelative(s.expiresAt)),
      el('td', { class: 'actions-col', 'data-label': 'Unack' }, unackButton(s)),
    )));
    showCount('proactive-muted', list.length);
  }

  function summary(status) {
    const parts = ['mode ' + status.mode];
    if (status.paused) parts.push('paused by ' + status.paused.operator);
    if (status.lastCycle) parts.push('last cycle ' + fmtRelative(status.lastCycle.at));
    if (status.left) parts.push('left today: ' + status.left.investigationsToday + ' investigation(s), $' + Number(status.left.usdToday).toFixed(2));
    return parts.join(' · ');
  }

  const proactive = R.panel({
    id: 'proactive',
    title: 'Proactive',
    summaryId: 'proactive-summary',
    build: () => [
      el('p', { class: 'empty', id: 'proactive-empty' }, 'No hotspot in the latest cycle.'),
      el('div', { class: 'table-wrap' }, table('proactive-table', ['Ack id', 'Severity', 'Hotspot', 'Verdict', 'Incident'], 'Ack')),
      head('proactive-muted', 'Muted', undefined, 'panel-head sub-head'),
      el('p', { class: 'empty', id: 'proactive-muted-empty' }, 'No hotspot is acked.'),
      el('div', { class: 'table-wrap' }, table('proactive-muted-table', ['Ack id', 'Hotspot', 'Reason', 'Acked by', 'Until'])),
    ],
    load: () => api('GET', '/api/proactive/status'),
    render(status) {
      $('proactive').dataset.mode = status.mode;
      $('proactive-summary').textContent = summary(status);
      renderHotspots(status);
      renderMuted(status.suppressions || []);
    },
    loadError: 'Could not load the proactive loop',
    reset: () => ackForms.clear(),
  });
})();
