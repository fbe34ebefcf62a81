// Review page: the active blocks table (verification levels, extend / make permanent / release) and the table of all
// open threats. Cells carry data-label (Palisade.td) so phones show each row as a card.
'use strict';

(function () {
  const P = window.Palisade;
  const { $, el, td, api, session, fmtTime, fmtRelative, scoreClass, statusLabel, temporalUiLink } = P;

  function holdControls(ip) {
    const hours = el('input', { type: 'number', min: 1, step: 1, value: 24, class: 'duration', 'aria-label': 'Hours to extend' });
    const status = el('span', { class: 'form-status small' });
    async function hold(action) {
      if (action !== 'extend' && !confirm((action === 'release' ? 'Release the block on ' : 'Make the block permanent for ') + ip + '?')) return;
      const body = { action, approver: session.name, channel: 'review-page' };
      if (action === 'extend') body.hours = Number(hours.value);
      status.className = 'form-status small';
      status.textContent = 'Sending…';
      try {
        await api('POST', '/api/threats/' + encodeURIComponent(ip) + '/hold', body);
        status.className = 'form-status small ok';
        status.textContent = action === 'release' ? 'Released' : action === 'extend' ? 'Extended' : 'Made permanent';
        setTimeout(P.refresh, 300);
      } catch (err) {
        status.className = 'form-status small error';
        status.textContent = err.message;
        if (P.refused(err)) P.signOut('Your token was refused; sign in again.');
      }
    }
    return el('div', { class: 'hold' },
      hours,
      el('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => hold('extend') }, 'Extend'),
      el('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => hold('make_permanent') }, 'Permanent'),
      el('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => hold('release') }, 'Release'),
      status,
    );
  }

  // The three verification levels of a block (present, loaded, effective), each with its evidence on hover; an
  // ineffective block is flagged with its open review.
  function verificationCell(state) {
    const v = state && state.verification;
    if (!v) return el('span', { class: 'muted' }, state && state.dryRun ? 'dry run: not verified against a real data plane' : '—');
    const word = (ok) => (ok === null ? 'not observable' : ok ? 'yes' : 'NO');
    const e = v.effect;
    const lines = [
      'present: ' + word(v.levels.present.ok) + ' — ' + v.levels.present.evidence,
      'loaded: ' + word(v.levels.loaded.ok) + ' — ' + v.levels.loaded.evidence,
      'effective: ' + (e ? e.outcome.replace('_', ' ') + ' — ' + e.summary : 'not measured (no effect source configured)'),
    ];
    const cls = v.level === 'effective' ? 'tag-info' : e && e.outcome === 'ineffective' ? 'tag-bad' : 'tag-warn';
    return el('span', {},
      el('span', { class: 'tag ' + cls, title: lines.join('\n') }, v.level),
      e && e.outcome === 'ineffective' ? el('span', { class: 'tag tag-bad small-tag', title: (v.review ? v.review.evidence : []).join('\n') }, 'INEFFECTIVE: review') : null,
      e && e.outcome === 'no_traffic' ? el('span', { class: 'tag tag-warn small-tag' }, 'no traffic seen') : null,
    );
  }

  const rows = new Map(); // ip -> { row, actions, cells }

  function renderBlocks(items) {
    const tbody = $('blocks-body');
    const seen = new Set();
    for (const { summary, detail } of items) {
      const state = detail && detail.state;
      const b = state && state.block;
      seen.add(summary.ip);
      const decided = state && state.review && state.review.decision;
      const cells = [
        td('IP', {}, el('span', { class: 'mono' }, summary.ip), state && state.dryRun ? el('span', { class: 'tag tag-warn small-tag' }, 'dry run') : null, ' ', temporalUiLink(detail)),
        td('Target', { class: 'mono' }, (b && b.target) || summary.target || '—'),
        td('Enforcer', {}, (b && b.enforcer) || summary.enforcer || '—'),
        td('Verified', {}, verificationCell(state)),
        td('Expires', {}, b && b.permanent ? el('span', { class: 'tag tag-bad' }, 'permanent') : b && b.expiresAt ? el('span', { title: fmtTime(b.expiresAt) }, fmtRelative(b.expiresAt)) : '—'),
        td('Decided by', {}, decided ? decided.approver + ' via ' + decided.channel : state && state.decision && state.decision.kind === 'auto' ? 'auto' : '—'),
      ];
      let entry = rows.get(summary.ip);
      if (!entry) {
        // The controls are built once per row, so a value being typed survives the refresh.
        const actions = td('Actions', { class: 'actions-col' }, holdControls(summary.ip));
        const row = el('tr', { dataset: { ip: summary.ip } });
        entry = { row, actions, cells: [] };
        rows.set(summary.ip, entry);
        tbody.append(row);
      }
      for (const c of entry.cells) c.remove();
      entry.row.prepend(...cells);
      entry.row.append(entry.actions);
      entry.cells = cells;
    }
    for (const [ip, entry] of rows) if (!seen.has(ip)) { entry.row.remove(); rows.delete(ip); }
    $('blocks-count').textContent = String(rows.size);
    $('blocks-empty').hidden = rows.size > 0;
    $('blocks-table').hidden = rows.size === 0;
  }

  function renderOpen(threats) {
    $('open-body').replaceChildren(...threats.map((t) => el('tr', { dataset: { ip: t.ip } },
      td('IP', { class: 'mono' }, t.ip),
      td('Status', {}, el('span', { class: 'status status-' + String(t.status || 'unknown').replace(/[^a-z_]/g, '') }, statusLabel(t.status))),
      td('Score', {}, el('span', { class: scoreClass(t.score) }, typeof t.score === 'number' ? String(t.score) : '—')),
      td('Source', {}, t.source || '—'),
      td('Mode', {}, t.mode || '—'),
      td('Started', { title: fmtTime(t.startTime) }, fmtRelative(t.startTime)),
    )));
    $('open-count').textContent = String(threats.length);
    $('open-empty').hidden = threats.length > 0;
    $('open-table').hidden = threats.length === 0;
  }

  function reset() {
    rows.clear();
    $('blocks-body').replaceChildren();
  }

  P.blocks = { renderBlocks, renderOpen, reset };
})();
