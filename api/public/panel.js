// Review page: the scaffolding of a panel in a file of its own (incidents.js, proactive.js), as window.PalisadeReview.
// panel() builds the section once on its first refresh, keeps refreshes from overlapping, shows a failed load in the
// panel's banner and empties the panel on sign-out; table() is the shared table markup (data-label cells become
// cards on phones, see style.css); formStatus() is the status line of an inline form. Loaded after app.js.
'use strict';

(function () {
  const P = window.Palisade;
  const { $, el, api, session, fmtTime, fmtRelative } = P;

  /** A table with its headers and an actions column, hidden until it has rows; its body is `<id without -table>-body`. */
  function table(id, headers, actionsHeader) {
    return el('table', { id, hidden: true },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)), el('th', { class: 'actions-col' }, actionsHeader || ''))),
      el('tbody', { id: id.replace(/-table$/, '') + '-body' }));
  }

  /** The head of a panel (or of a part of one): title, count `<prefix>-count`, and an optional summary line. */
  function head(prefix, title, summaryId, cls) {
    return el('div', { class: cls || 'panel-head' },
      el('h2', {}, title + ' ', el('span', { class: 'count', id: prefix + '-count' }, '0')),
      summaryId ? el('span', { class: 'muted small', id: summaryId }) : null);
  }

  /** Shows `count` rows: the count, the empty message `<prefix>-empty` and the table `<prefix>-table`. */
  function showCount(prefix, count) {
    $(prefix + '-count').textContent = String(count);
    $(prefix + '-empty').hidden = count > 0;
    $(prefix + '-table').hidden = count === 0;
  }

  /** The status line of an inline form: Sending…, then what was recorded or why it was refused. */
  function formStatus() {
    const node = el('span', { class: 'form-status small', role: 'status' });
    const set = (cls, text) => { node.className = 'form-status small' + (cls ? ' ' + cls : ''); node.textContent = text; };
    return { node, sending: () => set('', 'Sending…'), ok: (text) => set('ok', text), error: (text) => set('error', text) };
  }

  /**
   * A panel in `<section id=id>`: a head (`title`, the count `<id>-count`, the summary line `summaryId`), the
   * `<id>-error` banner, then what `build()` returns. `load()` fetches, `render(data)` fills the panel, `reset()`
   * forgets what the panel keeps (forms being typed into) on sign-out.
   */
  function panel({ id, title, summaryId, build, load, render, loadError, reset }) {
    const root = () => $(id);
    const banner = () => $(id + '-error');
    let inFlight = false;
    async function refresh() {
      if (!session.token || inFlight) return;
      inFlight = true;
      if (!root().dataset.built) {
        root().dataset.built = '1';
        root().append(head(id, title, summaryId), el('p', { class: 'banner error', id: id + '-error', role: 'alert', hidden: true }), ...build());
      }
      try {
        const data = await load();
        root().hidden = false;
        render(data);
        banner().hidden = true;
      } catch (err) {
        root().hidden = false;
        banner().textContent = loadError + ': ' + err.message;
        banner().hidden = false;
      } finally {
        inFlight = false;
      }
    }
    P.onRefresh(refresh);
    P.onSignOut(() => {
      if (reset) reset();
      root().replaceChildren();
      delete root().dataset.built;
      root().hidden = true;
    });
    return { refresh };
  }

  window.PalisadeReview = { el, api, session, fmtTime, fmtRelative, panel, table, head, showCount, formStatus };
})();
