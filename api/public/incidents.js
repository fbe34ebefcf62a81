// Review page: the "Incidents" panel. Open alert investigations (Alertmanager, Icinga) with their diagnosis, and for
// those awaiting a decision a comment box and Approve / Reject / Acknowledge, sent to POST /api/incidents/:id/decision
// (the same operator-action path as threat decisions; recorded, never executed).
// Alert names, summaries and the LLM's diagnosis are untrusted: text nodes only, never innerHTML.
'use strict';

(function () {
  const R = window.PalisadeReview;
  if (!R) return;
  const { el, api, session, fmtTime, fmtRelative, table, formStatus } = R;
  const $ = (id) => document.getElementById(id);
  const label = (s) => String(s || 'unknown').replace(/_/g, ' ');
  const severityClass = { critical: 'score score-crit', warning: 'score score-high', info: 'score score-low', unknown: 'score' };
  const VERBS = { approve: 'Approved', reject: 'Rejected', acknowledge: 'Acknowledged' };

  // Forms keep what the operator is typing across refreshes: one per incident, reused.
  const forms = new Map();

  function decisionForm(id) {
    const kept = forms.get(id);
    if (kept) return kept;
    const comment = el('input', { name: 'comment', maxlength: 2000, placeholder: 'Why (recorded)', 'aria-label': 'Comment on incident ' + id });
    const status = formStatus();
    const buttons = ['approve', 'reject', 'acknowledge'].map((d) => el('button', {
      type: 'button', class: 'btn btn-small ' + (d === 'approve' ? 'btn-primary' : 'btn-secondary'), dataset: { action: d },
    }, d === 'approve' ? 'Approve' : d === 'reject' ? 'Reject' : 'Ack'));
    async function send(decision) {
      const body = { decision, approver: session.name, channel: 'review-page' };
      if (comment.value.trim()) body.comment = comment.value.trim();
      for (const b of buttons) b.disabled = true;
      status.sending();
      try {
        const r = await api('POST', '/api/incidents/' + encodeURIComponent(id) + '/decision', body);
        status.ok(VERBS[decision] + ' — recorded (execution: ' + r.decision.execution.replace(/_/g, ' ') + ').');
        node.dataset.done = String(Date.now());
        setTimeout(incidents.refresh, 300);
      } catch (err) {
        status.error(err.message);
        for (const b of buttons) b.disabled = false;
      }
    }
    for (const b of buttons) b.addEventListener('click', () => send(b.dataset.action));
    const node = el('div', { class: 'hold incident-decide', dataset: { incident: id } }, comment, ...buttons, status.node);
    forms.set(id, node);
    return node;
  }

  function alertCell(i, state) {
    const d = state && state.diagnosis;
    return el('td', { 'data-label': 'Alert' },
      el('div', {}, i.name || (state && state.alert && state.alert.name) || '—'),
      i.summary ? el('div', { class: 'muted small' }, i.summary) : null,
      d ? el('div', { class: 'small' }, d.status === 'diagnosed'
        ? 'Diagnosis (' + Math.round((d.confidence || 0) * 100) + '%): ' + d.summary
        : 'No diagnosis: ' + (d.reason || '')) : null,
    );
  }

  function render(items) {
    const rows = items.map(({ summary: i, state }) => {
      const decided = state && state.decision;
      const awaiting = i.status === 'awaiting_decision' && !decided;
      const form = forms.get(i.id);
      const justDecided = form && form.dataset.done && Date.now() - Number(form.dataset.done) < 8000;
      return el('tr', { dataset: { incident: i.id, status: i.status || '' } },
        el('td', { class: 'mono', 'data-label': 'Incident', title: i.workflowId }, i.id),
        el('td', { 'data-label': 'Severity' }, el('span', { class: severityClass[i.severity] || 'score' }, i.severity || '—')),
        alertCell(i, state),
        el('td', { 'data-label': 'Status' }, el('span', { class: 'status status-' + String(i.status || 'unknown').replace(/[^a-z_]/g, '') }, label(i.status))),
        el('td', { 'data-label': 'Since', title: fmtTime(i.startTime) }, fmtRelative(i.startTime)),
        el('td', { 'data-label': 'Decided by' }, decided
          ? decided.decision + ' by ' + decided.operator + ' via ' + decided.channel
          : '—'),
        el('td', { class: 'actions-col' }, awaiting || justDecided ? decisionForm(i.id) : el('span', { class: 'muted small' }, decided ? 'recorded' : '—')),
      );
    });
    const shown = new Set(items.map((x) => x.summary.id));
    for (const id of [...forms.keys()]) if (!shown.has(id)) forms.delete(id);
    $('incidents-body').replaceChildren(...rows);
    const pending = items.filter((x) => x.summary.status === 'awaiting_decision').length;
    $('incidents-pending').textContent = pending ? pending + ' awaiting a decision' : '';
    R.showCount('incidents', items.length);
  }

  const incidents = R.panel({
    id: 'incidents',
    title: 'Incidents',
    summaryId: 'incidents-pending',
    build: () => [
      el('p', { class: 'empty', id: 'incidents-empty' }, 'No open alert investigation.'),
      el('div', { class: 'table-wrap' }, table('incidents-table', ['Incident', 'Severity', 'Alert', 'Status', 'Since', 'Decided by'], 'Decision')),
    ],
    async load() {
      const list = (await api('GET', '/api/incidents')).incidents;
      // The state (diagnosis, decision) of the first 50; the rest show what the list has.
      return Promise.all(list.map(async (summary, n) => {
        if (n >= 50) return { summary };
        try { return { summary, state: (await api('GET', '/api/incidents/' + encodeURIComponent(summary.id))).state }; }
        catch { return { summary }; }
      }));
    },
    render,
    loadError: 'Could not load the incidents',
    reset: () => forms.clear(),
  });
})();
