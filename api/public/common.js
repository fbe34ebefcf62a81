// Palisade review page: what every section shares (DOM building, the session, the API, formatting), as
// window.Palisade. Plain JS, no build step; the section scripts (threat-details.js, pending.js, blocks.js, and any
// other section) load after this one and app.js last.
// Every string shown comes from data an attacker can influence (paths, user agents, narratives, LLM text, alert
// annotations), so the DOM is built with createElement + textContent only. Never innerHTML.
'use strict';

(function () {
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

  /** A table cell carrying its column header, which phones show as the cell's label (see style.css). */
  const td = (label, attrs, ...children) => el('td', { ...(attrs || {}), 'data-label': label }, ...children);

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
  const refused = (err) => err && (err.status === 401 || err.status === 403);

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

  /** "Temporal UI" link to the workflow's page, when the API knows where the UI is. */
  function temporalUiLink(detail) {
    const href = detail && detail.links && detail.links.temporalUi;
    if (typeof href !== 'string' || !/^https?:\/\//.test(href)) return null;
    return el('a', { class: 'temporal-ui-link small', href, target: '_blank', rel: 'noopener noreferrer', title: 'Open this workflow in the Temporal UI (history, queries, updates)' }, 'Temporal UI ↗');
  }

  window.Palisade = {
    $, el, td, session, HttpError, api, refused,
    fmtTime, fmtRelative, scoreClass, statusLabel, kv, list, block, temporalUiLink,
    /** Set by app.js: refresh every section now; sign out with a message. */
    refresh: () => undefined,
    signOut: () => undefined,
  };
})();
