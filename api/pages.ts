// Server-rendered pages for signed approval links. Every interpolated value goes through escapeHtml: IPs, names and
// the workflow's reasons can carry attacker-influenced text.
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Palisade</title><link rel="stylesheet" href="/style.css"></head>
<body class="link-page"><header class="topbar"><div class="brand"><span class="logo" aria-hidden="true"></span>Palisade</div></header>
<main class="narrow">${body}</main></body></html>`;
}

export interface ConfirmView {
  token: string;
  ip: string;
  decision: 'approve' | 'reject';
  approver: string;
  durationHours?: number;
  expiresAt: string;
  status?: string;
  score?: number;
  reasons?: string[];
  proposal?: string;
  /** The case the link was minted for (none for links minted before case binding). */
  case?: string;
  /** Why the link will be refused (another case is pending), shown before anyone presses the button. */
  warning?: string;
}

export function renderConfirm(v: ConfirmView): string {
  const verb = v.decision === 'approve' ? 'Approve block' : 'Reject';
  const rows: [string, string][] = [
    ['IP', v.ip],
    ['Case', v.case ?? 'none (minted before approvals were bound to a case)'],
    ['Decision', v.decision],
    ['Recorded as', v.approver],
    ...(v.durationHours !== undefined ? [['Duration', `${v.durationHours} h`] as [string, string]] : []),
    ...(v.status ? [['Current status', v.status] as [string, string]] : []),
    ...(v.score !== undefined ? [['Score', String(v.score)] as [string, string]] : []),
    ...(v.proposal ? [['Proposal', v.proposal] as [string, string]] : []),
    ['Link expires', v.expiresAt],
  ];
  return renderPage(`${verb} ${v.ip}`, `
<section class="card">
  <h1>${escapeHtml(verb)} <span class="mono">${escapeHtml(v.ip)}</span>?</h1>
  ${v.warning ? `<p class="refused">${escapeHtml(v.warning)}</p>` : ''}
  <dl class="kv">${rows.map(([k, val]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(val)}</dd>`).join('')}</dl>
  ${v.reasons?.length ? `<h2>Policy reasons</h2><ul class="reasons">${v.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
  <form method="post" action="/approve/${escapeHtml(v.token)}" class="stack">
    <label>Comment (optional)<textarea name="comment" maxlength="1000" rows="3"></textarea></label>
    <button type="submit" class="btn ${v.decision === 'approve' ? 'btn-danger' : 'btn-secondary'}">${escapeHtml(verb)}</button>
  </form>
  <p class="muted small">This link works once. Opening it records nothing; only the button does.</p>
</section>`);
}

export interface IncidentConfirmView {
  token: string;
  incident: string;
  decision: 'approve' | 'reject' | 'acknowledge';
  approver: string;
  expiresAt: string;
  status?: string;
  /** Alert text is untrusted (whoever can post the webhook writes it): escaped like everything else. */
  alert?: { name: string; severity: string; summary: string };
  diagnosis?: string;
  warning?: string;
}

const INCIDENT_VERB = { approve: 'Approve', reject: 'Reject', acknowledge: 'Acknowledge' } as const;

export function renderIncidentConfirm(v: IncidentConfirmView): string {
  const verb = INCIDENT_VERB[v.decision];
  const rows: [string, string][] = [
    ['Incident', v.incident],
    ...(v.alert ? [['Alert', `${v.alert.name} (${v.alert.severity})`], ['Summary', v.alert.summary]] as [string, string][] : []),
    ...(v.diagnosis ? [['Diagnosis', v.diagnosis] as [string, string]] : []),
    ['Decision', v.decision],
    ['Recorded as', v.approver],
    ...(v.status ? [['Current status', v.status] as [string, string]] : []),
    ['Link expires', v.expiresAt],
  ];
  return renderPage(`${verb} incident ${v.incident}`, `
<section class="card">
  <h1>${escapeHtml(verb)} incident <span class="mono">${escapeHtml(v.incident)}</span>?</h1>
  ${v.warning ? `<p class="refused">${escapeHtml(v.warning)}</p>` : ''}
  <dl class="kv">${rows.map(([k, val]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(val)}</dd>`).join('')}</dl>
  <form method="post" action="/approve/${escapeHtml(v.token)}" class="stack">
    <label>Comment (optional)<textarea name="comment" maxlength="1000" rows="3"></textarea></label>
    <button type="submit" class="btn ${v.decision === 'reject' ? 'btn-secondary' : 'btn-primary'}">${escapeHtml(verb)}</button>
  </form>
  <p class="muted small">The decision is recorded in the investigation's history; nothing is executed. This link works once. Opening it records nothing; only the button does.</p>
</section>`);
}

export function renderResult(ok: boolean, title: string, message: string): string {
  return renderPage(title, `<section class="card ${ok ? 'ok' : 'refused'}"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></section>`);
}
