// Palisade review page. Plain JS, no build step.
// Every string shown comes from threat data that an attacker can influence (paths, user agents, narratives, LLM
// text), so the DOM is built with createElement + textContent only. Never innerHTML.
'use strict';

(function () {
  const REFRESH_MS = 4000;
  const STORE = { token: 'palisade.token', name: 'palisade.name' };
  const $ = (id) => document.getElementById(id);

  /** el('div', { class: 'x', dataset: {...} }, 'text', childNode, ...) — strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const session = {
    get token() { return sessionStorage.getItem(STORE.token) || ''; },
    get name() { return sessionStorage.getItem(STORE.name) || ''; },
    set(name, token) { sessionStorage.setItem(STORE.name, name); sessionStorage.setItem(STORE.token, token); },
    clear() { sessionStorage.removeItem(STORE.name); sessionStorage.removeItem(STORE.token); },
  };

  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { Authorization: 'Bearer ' + session.token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) throw new HttpError(res.status, (data && data.error) || res.status + ' ' + res.statusText);
    return data;
  }

  // ---------- formatting ----------
  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
  function fmtRelative(iso) {
    if (!iso) return '';
    const ms = new Date(iso).getTime() - Date.now();
    const abs = Math.abs(ms);
    const unit = abs >= 172800000 ? [86400000, 'd'] : abs >= 3600000 ? [3600000, 'h'] : [60000, 'min'];
    const n = Math.max(1, Math.round(abs / unit[0]));
    return ms >= 0 ? 'in ' + n + ' ' + unit[1] : n + ' ' + unit[1] + ' ago';
  }
  function scoreClass(score) {
    if (typeof score !== 'number') return 'score';
    return score >= 95 ? 'score score-crit' : score >= 80 ? 'score score-high' : score >= 50 ? 'score score-mid' : 'score score-low';
  }
  const statusLabel = (s) => String(s || 'unknown').replace(/_/g, ' ');

  function kv(rows) {
    const dl = el('dl', { class: 'kv' });
    for (const [k, v] of rows) {
      if (v === undefined || v === null || v === '') continue;
      dl.append(el('dt', {}, k), el('dd', {}, v instanceof Node ? v : String(v)));
    }
    return dl;
  }
  function list(items, cls, max) {
    const ul = el('ul', { class: cls || 'plain' });
    const shown = (items || []).slice(0, max || 20);
    for (const i of shown) ul.append(el('li', {}, String(i)));
    if ((items || []).length > shown.length) ul.append(el('li', { class: 'muted' }, '… ' + (items.length - shown.length) + ' more'));
    return ul;
  }
  function block(title, ...content) {
    return el('div', { class: 'block' }, el('h4', {}, title), ...content);
  }

  // ---------- pending reviews ----------
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
        status.className = 'form-status ok';
        status.textContent = (decision === 'approve' ? 'Approved' : 'Rejected') + ' — the threat is now ' + statusLabel(r.status) + '.';
        form.dataset.done = String(Date.now());
        setTimeout(refresh, 300);
      } catch (err) {
        status.className = 'form-status error';
        status.textContent = err.message;
        approve.disabled = reject.disabled = false;
        if (err.status === 401 || err.status === 403) signOut('Your token was refused; sign in again.');
      }
    }
    approve.addEventListener('click', () => send('approve'));
    reject.addEventListener('click', () => send('reject'));
    form.addEventListener('submit', (e) => e.preventDefault());
    return form;
  }

  /** "Temporal UI" link to the threat's workflow page, when the API knows where the UI is. */
  function temporalUiLink(detail) {
    const href = detail && detail.links && detail.links.temporalUi;
    if (typeof href !== 'string' || !/^https?:\/\//.test(href)) return null;
    return el('a', { class: 'temporal-ui-link small', href, target: '_blank', rel: 'noopener noreferrer', title: 'Open this threat in the Temporal UI (history, queries, updates)' }, 'Temporal UI ↗');
  }

  function pendingHeader(summary, state, detail) {
    const score = state && state.intel ? state.intel.compositeScore : summary.score;
    const review = state && state.review;
    return el('div', { class: 'card-head' },
      el('div', { class: 'ident' },
        el('span', { class: 'ip mono' }, summary.ip),
        el('span', { class: scoreClass(score) }, typeof score === 'number' ? String(score) : '—'),
        state && state.dryRun ? el('span', { class: 'tag tag-warn' }, 'dry run') : null,
        state && state.priorBlocks ? el('span', { class: 'tag' }, state.priorBlocks + '× blocked before') : null,
      ),
      el('div', { class: 'meta muted small' },
        summary.source ? 'source ' + summary.source : '',
        review ? ' · review due ' + fmtRelative(review.deadline) : '',
        review && review.escalated ? ' · escalated' : '',
        temporalUiLink(detail) ? ' · ' : '',
        temporalUiLink(detail),
      ),
    );
  }

  const pendingCards = new Map(); // ip -> { card, body, form }

  function renderPending(items) {
    const listEl = $('pending-list');
    const seen = new Set();
    for (const { summary, detail } of items) {
      const state = detail && detail.state;
      if (state && state.status !== 'pending_review') continue;
      seen.add(summary.ip);
      let entry = pendingCards.get(summary.ip);
      if (!entry) {
        const card = el('article', { class: 'card threat', dataset: { ip: summary.ip } });
        entry = { card, head: null, body: null, form: null };
        pendingCards.set(summary.ip, entry);
        listEl.append(card);
      }
      const head = pendingHeader(summary, state, detail);
      const body = el('div', { class: 'grid' },
        state ? evidenceBlock(state.evidence) : block('State', el('p', { class: 'warn' }, (detail && detail.stateError) || 'Loading…')),
        state ? intelBlock(state.intel) : null,
        state ? proposalBlock(state.proposal) : null,
        state ? decisionBlock(state) : null,
      );
      // Replace the read-only parts; keep the form (and whatever the operator is typing) in place.
      if (entry.head) entry.head.replaceWith(head); else entry.card.append(head);
      if (entry.body) entry.body.replaceWith(body); else entry.card.append(body);
      entry.head = head;
      entry.body = body;
      const tl = state ? timelineBlock(state) : null;
      if (entry.timeline) { const open = entry.timeline.open; if (tl) { tl.open = open; entry.timeline.replaceWith(tl); } }
      else if (tl) entry.card.append(tl);
      entry.timeline = tl;
      // A new case of the same IP gets a new form: a decision is only ever sent for the case on screen.
      const caseRef = state && state.review ? state.review.case : undefined;
      if (entry.form && state && entry.caseRef !== caseRef) { entry.form.remove(); entry.form = null; }
      if (!entry.form && state) { entry.form = decisionForm(summary.ip, state); entry.caseRef = caseRef; entry.card.append(entry.form); }
    }
    // A card the operator just decided stays a few seconds after it leaves the list, so the confirmation is read.
    const decidedRecently = (entry) => entry.form && entry.form.dataset.done && Date.now() - Number(entry.form.dataset.done) < 8000;
    for (const [ip, entry] of pendingCards) {
      if (!seen.has(ip) && !decidedRecently(entry)) { entry.card.remove(); pendingCards.delete(ip); }
    }
    $('pending-count').textContent = String(seen.size);
    $('pending-empty').hidden = pendingCards.size > 0;
  }

  // ---------- active blocks ----------
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
        setTimeout(refresh, 300);
      } catch (err) {
        status.className = 'form-status small error';
        status.textContent = err.message;
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

  const blockRows = new Map(); // ip -> { row, cells }
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

  function renderBlocks(items) {
    const tbody = $('blocks-body');
    const seen = new Set();
    for (const { summary, detail } of items) {
      const state = detail && detail.state;
      const b = state && state.block;
      seen.add(summary.ip);
      const decided = state && state.review && state.review.decision;
      const cells = [
        el('td', {}, el('span', { class: 'mono' }, summary.ip), state && state.dryRun ? el('span', { class: 'tag tag-warn small-tag' }, 'dry run') : null, ' ', temporalUiLink(detail)),
        el('td', { class: 'mono' }, (b && b.target) || summary.target || '—'),
        el('td', {}, (b && b.enforcer) || summary.enforcer || '—'),
        el('td', {}, verificationCell(state)),
        el('td', {}, b && b.permanent ? el('span', { class: 'tag tag-bad' }, 'permanent') : b && b.expiresAt ? el('span', { title: fmtTime(b.expiresAt) }, fmtRelative(b.expiresAt)) : '—'),
        el('td', {}, decided ? decided.approver + ' via ' + decided.channel : state && state.decision && state.decision.kind === 'auto' ? 'auto' : '—'),
      ];
      let entry = blockRows.get(summary.ip);
      if (!entry) {
        const actions = el('td', { class: 'actions-col' }, holdControls(summary.ip));
        const row = el('tr', { dataset: { ip: summary.ip } });
        entry = { row, actions, cells: [] };
        blockRows.set(summary.ip, entry);
        tbody.append(row);
      }
      for (const c of entry.cells) c.remove();
      entry.row.prepend(...cells);
      entry.row.append(entry.actions);
      entry.cells = cells;
    }
    for (const [ip, entry] of blockRows) if (!seen.has(ip)) { entry.row.remove(); blockRows.delete(ip); }
    $('blocks-count').textContent = String(blockRows.size);
    $('blocks-empty').hidden = blockRows.size > 0;
    $('blocks-table').hidden = blockRows.size === 0;
  }

  function renderOpen(threats) {
    const tbody = $('open-body');
    tbody.replaceChildren(...threats.map((t) => el('tr', { dataset: { ip: t.ip } },
      el('td', { class: 'mono' }, t.ip),
      el('td', {}, el('span', { class: 'status status-' + String(t.status || 'unknown').replace(/[^a-z_]/g, '') }, statusLabel(t.status))),
      el('td', {}, el('span', { class: scoreClass(t.score) }, typeof t.score === 'number' ? String(t.score) : '—')),
      el('td', {}, t.source || '—'),
      el('td', {}, t.mode || '—'),
      el('td', { title: fmtTime(t.startTime) }, fmtRelative(t.startTime)),
    )));
    $('open-count').textContent = String(threats.length);
    $('open-empty').hidden = threats.length > 0;
    $('open-table').hidden = threats.length === 0;
  }

  // ---------- refresh loop ----------
  async function withDetails(summaries) {
    return Promise.all(summaries.slice(0, 50).map(async (summary) => {
      try { return { summary, detail: await api('GET', '/api/threats/' + encodeURIComponent(summary.ip)) }; }
      catch (err) { return { summary, detail: { stateError: err.message } }; }
    }));
  }

  // Panels in their own files (proactive.js) refresh with the page and are reset on sign-out.
  const refreshers = [];
  const signOutHooks = [];
  window.PalisadeReview = {
    el, api, session, fmtTime, fmtRelative,
    onRefresh: (fn) => void refreshers.push(fn),
    onSignOut: (fn) => void signOutHooks.push(fn),
  };

  let timer = null;
  let inFlight = false;
  async function refresh() {
    if (!session.token || inFlight) return;
    for (const fn of refreshers) Promise.resolve().then(fn).catch(() => undefined);
    inFlight = true;
    try {
      const all = (await api('GET', '/api/threats')).threats;
      const pending = all.filter((t) => t.status === 'pending_review');
      const blocked = all.filter((t) => t.status === 'blocked');
      const [pendingDetails, blockDetails] = await Promise.all([withDetails(pending), withDetails(blocked)]);
      renderPending(pendingDetails);
      renderBlocks(blockDetails);
      renderOpen(all);
      $('app-error').hidden = true;
      $('refresh-state').textContent = 'Updated ' + new Date().toLocaleTimeString();
      $('refresh-state').className = 'refresh';
    } catch (err) {
      if (err.status === 401 || err.status === 403) return signOut('Your token was refused; sign in again.');
      $('app-error').textContent = 'Could not refresh: ' + err.message;
      $('app-error').hidden = false;
      $('refresh-state').textContent = 'Refresh failed';
      $('refresh-state').className = 'refresh stale';
    } finally {
      inFlight = false;
    }
  }

  function showApp() {
    $('login').hidden = true;
    $('app').hidden = false;
    $('session').hidden = false;
    $('who').textContent = session.name;
    void refresh();
    clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
  }

  function signOut(message) {
    session.clear();
    clearInterval(timer);
    for (const fn of signOutHooks) fn();
    pendingCards.clear();
    blockRows.clear();
    $('pending-list').replaceChildren();
    $('blocks-body').replaceChildren();
    $('app').hidden = true;
    $('session').hidden = true;
    $('login').hidden = false;
    const e = $('login-error');
    e.textContent = message || '';
    e.hidden = !message;
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const name = $('login-name').value.trim();
      const token = $('login-token').value.trim();
      const e = $('login-error');
      if (!name || !token) { e.textContent = 'Give your name and the control token.'; e.hidden = false; return; }
      session.set(name, token);
      $('login-submit').disabled = true;
      try {
        await api('GET', '/api/threats?limit=1');
        $('login-token').value = '';
        e.hidden = true;
        showApp();
      } catch (err) {
        session.clear();
        e.textContent = err.status === 401 || err.status === 403 ? 'That token was refused.' : 'Sign-in failed: ' + err.message;
        e.hidden = false;
      } finally {
        $('login-submit').disabled = false;
      }
    });
    $('logout').addEventListener('click', () => signOut());
    if (session.token && session.name) showApp(); else signOut();
  });
})();
