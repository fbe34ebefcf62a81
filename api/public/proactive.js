// Review page: the "Proactive" panel. The latest cycle's hotspots with their ack ids and verdicts (and why), an inline
// Ack (reason, hours) per hotspot, the muted list with Unack, and links to the incidents the loop opened.
// Hotspot titles, label values and reasons come from scraped metrics and operators: text nodes only, never innerHTML.
'use strict';

(function () {
  const R = window.PalisadeReview;
  if (!R) return;
  const { el, api, session, fmtTime, fmtRelative } = R;
  const $ = (id) => document.getElementById(id);

  const verdictClass = { investigated: 'tag-bad', reported: 'tag-warn', muted: '', over_budget: 'tag-info', cooling_down: 'tag-info', below_floor: '' };
  const severityClass = { critical: 'score score-crit', high: 'score score-high', medium: 'score score-mid', low: 'score score-low', info: 'score' };
  const label = (s) => String(s || '').replace(/_/g, ' ');

  function panel() {
    return $('proactive');
  }

  /** Builds the panel's skeleton once (the same panel/table markup as the threat tables). */
  function skeleton() {
    const root = panel();
    if (root.dataset.built) return;
    root.dataset.built = '1';
    const hotspotTable = el('table', { id: 'proactive-table', hidden: true },
      el('thead', {}, el('tr', {}, ['Ack id', 'Severity', 'Hotspot', 'Verdict', 'Incident'].map((h) => el('th', {}, h)), el('th', { class: 'actions-col' }, 'Ack'))),
      el('tbody', { id: 'proactive-body' }));
    const mutedTable = el('table', { id: 'proactive-muted-table', hidden: true },
      el('thead', {}, el('tr', {}, ['Ack id', 'Hotspot', 'Reason', 'Acked by', 'Until'].map((h) => el('th', {}, h)), el('th', { class: 'actions-col' }, ''))),
      el('tbody', { id: 'proactive-muted-body' }));
    root.append(
      el('div', { class: 'panel-head' },
        el('h2', {}, 'Proactive ', el('span', { class: 'count', id: 'proactive-count' }, '0')),
        el('span', { class: 'muted small', id: 'proactive-summary' })),
      el('p', { class: 'banner error', id: 'proactive-error', role: 'alert', hidden: true }),
      el('p', { class: 'empty', id: 'proactive-empty' }, 'No hotspot in the latest cycle.'),
      el('div', { class: 'table-wrap' }, hotspotTable),
      el('div', { class: 'panel-head sub-head' }, el('h2', {}, 'Muted ', el('span', { class: 'count', id: 'proactive-muted-count' }, '0'))),
      el('p', { class: 'empty', id: 'proactive-muted-empty' }, 'No hotspot is acked.'),
      el('div', { class: 'table-wrap' }, mutedTable),
    );
  }

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
    const status = el('span', { class: 'form-status small', role: 'status' });
    const button = el('button', { type: 'button', class: 'btn btn-small btn-secondary', dataset: { action: 'ack' } }, 'Ack');
    async function send() {
      status.className = 'form-status small';
      status.textContent = 'Sending…';
      button.disabled = true;
      // The full fingerprint: exact, whatever other hotspot shares the short id.
      const body = { fingerprint: d.fingerprint, reason: reason.value.trim(), approver: session.name, channel: 'review-page' };
      if (hours.value !== '') body.ttlHours = Number(hours.value);
      try {
        const r = await api('POST', '/api/proactive/ack', body);
        status.className = 'form-status small ok';
        status.textContent = 'Acked until ' + fmtTime(r.suppression.expiresAt);
        reason.value = '';
        setTimeout(refresh, 300);
      } catch (err) {
        status.className = 'form-status small error';
        status.textContent = err.message;
      } finally {
        button.disabled = false;
      }
    }
    button.addEventListener('click', send);
    const node = el('div', { class: 'hold proactive-ack', dataset: { fingerprint: d.fingerprint } }, reason, hours, el('span', { class: 'muted small' }, 'h'), button, status);
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
    $('proactive-count').textContent = String(decisions.length);
    $('proactive-empty').hidden = decisions.length > 0;
    $('proactive-table').hidden = decisions.length === 0;
  }

  function unackButton(s) {
    const status = el('span', { class: 'form-status small', role: 'status' });
    const button = el('button', { type: 'button', class: 'btn btn-small btn-secondary', dataset: { action: 'unack' } }, 'Unack');
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.className = 'form-status small';
      status.textContent = 'Sending…';
      try {
        await api('POST', '/api/proactive/unack', { fingerprint: s.fingerprint, approver: session.name, channel: 'review-page' });
        status.className = 'form-status small ok';
        status.textContent = 'Unacked';
        setTimeout(refresh, 300);
      } catch (err) {
        status.className = 'form-status small error';
        status.textContent = err.message;
        button.disabled = false;
      }
    });
    return el('div', { class: 'hold' }, button, status);
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
    $('proactive-muted-count').textContent = String(list.length);
    $('proactive-muted-empty').hidden = list.length > 0;
    $('proactive-muted-table').hidden = list.length === 0;
  }

  function summary(status) {
    const parts = ['mode ' + status.mode];
    if (status.paused) parts.push('paused by ' + status.paused.operator);
    if (status.lastCycle) parts.push('last cycle ' + fmtRelative(status.lastCycle.at));
    if (status.left) parts.push('left today: ' + status.left.investigationsToday + ' investigation(s), $' + Number(status.left.usdToday).toFixed(2));
    return parts.join(' · ');
  }

  let inFlight = false;
  async function refresh() {
    if (!session.token || inFlight) return;
    inFlight = true;
    skeleton();
    try {
      const status = await api('GET', '/api/proactive/status');
      panel().hidden = false;
      panel().dataset.mode = status.mode;
      $('proactive-summary').textContent = summary(status);
      renderHotspots(status);
      renderMuted(status.suppressions || []);
      $('proactive-error').hidden = true;
    } catch (err) {
      panel().hidden = false;
      $('proactive-error').textContent = 'Could not load the proactive loop: ' + err.message;
      $('proactive-error').hidden = false;
    } finally {
      inFlight = false;
    }
  }

  R.onRefresh(refresh);
  R.onSignOut(() => {
    ackForms.clear();
    const root = panel();
    root.replaceChildren();
    delete root.dataset.built;
    root.hidden = true;
  });
})();
