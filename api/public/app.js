// Palisade review page: sign-in, sign-out and the refresh loop over the sections (pending.js, blocks.js, and panels
// that register through onRefresh / onSignOut, see panel.js). Loaded after the section scripts it drives, before the panels.
'use strict';

(function () {
  const P = window.Palisade;
  const { $, api, session } = P;
  const REFRESH_MS = 4000;

  async function withDetails(summaries) {
    return Promise.all(summaries.slice(0, 50).map(async (summary) => {
      try { return { summary, detail: await api('GET', '/api/threats/' + encodeURIComponent(summary.ip)) }; }
      catch (err) { return { summary, detail: { stateError: err.message } }; }
    }));
  }

  // Panels in their own files (panel.js: incidents.js, proactive.js) refresh with the page and are reset on sign-out.
  const refreshers = [];
  const signOutHooks = [];
  P.onRefresh = (fn) => void refreshers.push(fn);
  P.onSignOut = (fn) => void signOutHooks.push(fn);

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
      P.pending.render(pendingDetails);
      P.blocks.renderBlocks(blockDetails);
      P.blocks.renderOpen(all);
      $('app-error').hidden = true;
      $('refresh-state').textContent = 'Updated ' + new Date().toLocaleTimeString();
      $('refresh-state').className = 'refresh';
    } catch (err) {
      if (P.refused(err)) return signOut('Your token was refused; sign in again.');
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
    P.pending.reset();
    P.blocks.reset();
    $('app').hidden = true;
    $('session').hidden = true;
    $('login').hidden = false;
    const e = $('login-error');
    e.textContent = message || '';
    e.hidden = !message;
  }

  P.refresh = refresh;
  P.signOut = signOut;

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
        e.textContent = P.refused(err) ? 'That token was refused.' : 'Sign-in failed: ' + err.message;
        e.hidden = false;
      } finally {
        $('login-submit').disabled = false;
      }
    });
    $('logout').addEventListener('click', () => signOut());
    if (session.token && session.name) showApp(); else signOut();
  });
})();
