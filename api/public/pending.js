// Review page: pending reviews. One card per threat waiting for a human, with its decision form, and a selection
// (checkbox per card, select-all) that is approved or rejected in one bulk decision. The bulk request names each
// IP with the case on screen and expectedCount = the selection's size, so it never covers more than was selected.
'use strict';

(function () {
  const P = window.Palisade;
  const { $, el, api, session, statusLabel, scoreClass, fmtRelative, temporalUiLink } = P;
  const { threatBody, timelineBlock } = P.threatDetails;
  // A card the operator just decided stays this long after it leaves the list, so the confirmation is read.
  const KEEP_DECIDED_MS = 8000;

  const cards = new Map(); // ip -> { card, head, body, timeline, form, caseRef, status, buttons, select, checkbox }
  const selected = new Set();

  // The decide update answers before the workflow moves on, so "pending review" there only means "recorded".
  const decidedText = (verb, status) => verb + (status && status !== 'pending_review' ? ' — the threat is now ' + statusLabel(status) : ' — recorded; the threat moves on shortly') + '.';

  const isDone = (entry) => Boolean(entry.form && entry.form.dataset.done);
  const selectable = (ip) => { const e = cards.get(ip); return Boolean(e && e.form && !isDone(e) && e.present); };

  /** A decided card: confirmation shown, buttons and checkbox off, out of the selection. */
  function markDecided(ip, text) {
    const entry = cards.get(ip);
    if (!entry || !entry.form) return;
    entry.form.dataset.done = String(Date.now());
    entry.status.className = 'form-status ok';
    entry.status.textContent = text;
    for (const b of entry.buttons) b.disabled = true;
    entry.checkbox.checked = false;
    entry.checkbox.disabled = true;
    selected.delete(ip);
    updateBulkBar();
  }

  function decisionForm(ip, state) {
    const suggested = state.decision && state.decision.block ? state.decision.block.durationHours : undefined;
    const comment = el('textarea', { name: 'comment', rows: 2, maxlength: 1000, placeholder: 'Why (recorded in the audit trail)' });
    const duration = el('input', { name: 'durationHours', type: 'number', min: 1, step: 1, value: suggested, placeholder: 'policy default', class: 'duration' });
    const status = el('p', { class: 'form-status', role: 'status' });
    // The decision names the case this form was built for (the one on screen); the workflow refuses it for any other.
    const caseRef = state.review && state.review.case;
    const approve = el('button', { type: 'button', class: 'btn btn-danger', dataset: { action: 'approve' } }, 'Approve block');
    const reject = el('button', { type: 'button', class: 'btn btn-secondary', dataset: { action: 'reject' } }, 'Reject');
    const form = el('form', { class: 'decide', dataset: { ip } },
      el('label', { class: 'grow' }, 'Comment', comment),
      el('label', {}, 'Duration (h)', duration),
      el('div', { class: 'buttons' }, approve, reject),
      caseRef ? el('p', { class: 'muted small' }, 'Case ' + caseRef) : null,
      status,
    );
    async function send(decision) {
      const body = { decision, approver: session.name, channel: 'review-page' };
      if (caseRef) body.case = caseRef;
      if (comment.value.trim()) body.comment = comment.value.trim();
      const hours = Number(duration.value);
      if (decision === 'approve' && duration.value !== '' && hours > 0) body.durationHours = hours;
      approve.disabled = reject.disabled = true;
      status.className = 'form-status';
      status.textContent = 'Sending…';
      try {
        const r = await api('POST', '/api/threats/' + encodeURIComponent(ip) + '/decision', body);
        markDecided(ip, decidedText(decision === 'approve' ? 'Approved' : 'Rejected', r.status));
        setTimeout(P.refresh, 300);
      } catch (err) {
        status.className = 'form-status error';
        status.textContent = err.message;
        approve.disabled = reject.disabled = false;
        if (P.refused(err)) P.signOut('Your token was refused; sign in again.');
      }
    }
    approve.addEventListener('click', () => send('approve'));
    reject.addEventListener('click', () => send('reject'));
    form.addEventListener('submit', (e) => e.preventDefault());
    return { form, caseRef, status, buttons: [approve, reject] };
  }

  function cardHeader(entry, summary, state, detail) {
    const score = state && state.intel ? state.intel.compositeScore : summary.score;
    const review = state && state.review;
    const link = temporalUiLink(detail);
    return el('div', { class: 'card-head' },
      el('div', { class: 'ident' },
        entry.select,
        el('span', { class: 'ip mono' }, summary.ip),
        el('span', { class: scoreClass(score) }, typeof score === 'number' ? String(score) : '—'),
        state && state.dryRun ? el('span', { class: 'tag tag-warn' }, 'dry run') : null,
        state && state.priorBlocks ? el('span', { class: 'tag' }, state.priorBlocks + '× blocked before') : null,
      ),
      el('div', { class: 'meta muted small' },
        summary.source ? 'source ' + summary.source : '',
        review ? ' · review due ' + fmtRelative(review.deadline) : '',
        review && review.escalated ? ' · escalated' : '',
        link ? ' · ' : '',
        link,
      ),
    );
  }

  function newEntry(ip) {
    const checkbox = el('input', { type: 'checkbox', class: 'select-case', 'aria-label': 'Select ' + ip + ' for a bulk decision' });
    checkbox.addEventListener('change', () => {
      if (checkbox.checked && selectable(ip)) selected.add(ip); else selected.delete(ip);
      updateBulkBar();
    });
    const card = el('article', { class: 'card threat', dataset: { ip } });
    return { card, select: el('label', { class: 'check', title: 'Select for a bulk decision' }, checkbox), checkbox, present: true };
  }

  function render(items) {
    const listEl = $('pending-list');
    const seen = new Set();
    for (const { summary, detail } of items) {
      const state = detail && detail.state;
      if (state && state.status !== 'pending_review') continue;
      seen.add(summary.ip);
      let entry = cards.get(summary.ip);
      if (!entry) {
        entry = newEntry(summary.ip);
        cards.set(summary.ip, entry);
        listEl.append(entry.card);
      }
      entry.present = true;
      const head = cardHeader(entry, summary, state, detail);
      const body = threatBody(state, detail);
      // Replace the read-only parts; keep the form (and whatever the operator is typing) in place.
      if (entry.head) entry.head.replaceWith(head); else entry.card.append(head);
      if (entry.body) entry.body.replaceWith(body); else entry.card.append(body);
      entry.head = head;
      entry.body = body;
      const tl = state ? timelineBlock(state) : null;
      if (entry.timeline) { const open = entry.timeline.open; if (tl) { tl.open = open; entry.timeline.replaceWith(tl); } }
      else if (tl) entry.card.append(tl);
      entry.timeline = tl;
      // A new case of the same IP gets a new form (and leaves the selection): a decision is only ever sent for the
      // case on screen.
      const caseRef = state && state.review ? state.review.case : undefined;
      if (entry.form && state && entry.caseRef !== caseRef) {
        entry.form.remove();
        entry.form = null;
        entry.checkbox.checked = false;
        entry.checkbox.disabled = false;
        selected.delete(summary.ip);
      }
      if (!entry.form && state) {
        Object.assign(entry, decisionForm(summary.ip, state));
        entry.card.append(entry.form);
      }
      entry.checkbox.disabled = !selectable(summary.ip);
    }
    for (const [ip, entry] of cards) {
      if (seen.has(ip)) continue;
      entry.present = false;
      selected.delete(ip);
      entry.checkbox.disabled = true;
      entry.checkbox.checked = false;
      const keep = isDone(entry) && Date.now() - Number(entry.form.dataset.done) < KEEP_DECIDED_MS;
      if (!keep) { entry.card.remove(); cards.delete(ip); }
    }
    $('pending-count').textContent = String(seen.size);
    $('pending-empty').hidden = cards.size > 0;
    updateBulkBar();
  }

  // ---------- bulk selection ----------
  function updateBulkBar() {
    const candidates = [...cards.keys()].filter(selectable);
    for (const ip of [...selected]) if (!selectable(ip)) selected.delete(ip);
    const n = selected.size;
    $('bulk-bar').hidden = candidates.length === 0 && !$('bulk-status').textContent;
    $('bulk-count').textContent = n + ' selected';
    const all = $('select-all');
    all.disabled = candidates.length === 0;
    all.checked = candidates.length > 0 && n === candidates.length;
    all.indeterminate = n > 0 && n < candidates.length;
    $('bulk-approve').disabled = $('bulk-reject').disabled = n === 0 || bulkInFlight;
  }

  let bulkInFlight = false;
  async function sendBulk(decision) {
    const ips = [...selected].filter(selectable);
    if (ips.length === 0) return;
    const what = ips.length + ' selected IP' + (ips.length === 1 ? '' : 's');
    if (!confirm((decision === 'approve' ? 'Approve the proposed block of ' : 'Reject the proposals for ') + what + '?')) return;
    const body = {
      decision, approver: session.name, channel: 'review-page', expectedCount: ips.length,
      // Each IP with the case on screen: the workflow refuses the decision for any other case.
      ips: ips.map((ip) => (cards.get(ip).caseRef ? { ip, case: cards.get(ip).caseRef } : ip)),
    };
    const comment = $('bulk-comment').value.trim();
    if (comment) body.comment = comment;
    const status = $('bulk-status');
    const failures = $('bulk-failures');
    bulkInFlight = true;
    updateBulkBar();
    status.className = 'form-status';
    status.textContent = 'Sending ' + what + '…';
    failures.replaceChildren();
    const verb = decision === 'approve' ? 'Approved' : 'Rejected';
    try {
      const r = await api('POST', '/api/decisions/bulk', body);
      for (const res of r.results) {
        if (res.ok) markDecided(res.ip, decidedText(verb + ' with the selection', res.result.status));
        else {
          const entry = cards.get(res.ip);
          if (entry && entry.status) { entry.status.className = 'form-status error'; entry.status.textContent = res.error; }
          failures.append(el('li', {}, el('span', { class: 'mono' }, res.ip), ': ' + res.error));
        }
      }
      status.className = r.refused ? 'form-status error' : 'form-status ok';
      status.textContent = verb + ' ' + r.accepted + ' of ' + r.matched + (r.refused ? '; ' + r.refused + ' not decided (below).' : '.');
      $('bulk-comment').value = '';
      setTimeout(P.refresh, 300);
    } catch (err) {
      status.className = 'form-status error';
      status.textContent = err.message;
      if (P.refused(err)) P.signOut('Your token was refused; sign in again.');
    } finally {
      bulkInFlight = false;
      updateBulkBar();
    }
  }

  function reset() {
    cards.clear();
    selected.clear();
    $('pending-list').replaceChildren();
    $('bulk-status').textContent = '';
    $('bulk-failures').replaceChildren();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('select-all').addEventListener('change', () => {
      selected.clear();
      if ($('select-all').checked) for (const ip of cards.keys()) if (selectable(ip)) selected.add(ip);
      for (const [ip, entry] of cards) entry.checkbox.checked = selected.has(ip);
      updateBulkBar();
    });
    $('bulk-approve').addEventListener('click', () => sendBulk('approve'));
    $('bulk-reject').addEventListener('click', () => sendBulk('reject'));
  });

  P.pending = { render, reset };
})();
