// The notification of an alert investigation (an incident) that awaits an operator decision. Alert text is
// untrusted (whoever can post a webhook writes it): sanitised here once, like the threat notifications.
import type { AlertInvestigationState } from './alerts';
import { sanitizeUntrusted } from './sanitize';
import type { Notification } from './types';

export function incidentReviewNeeded(s: AlertInvestigationState, decisionTimeoutHours: number): Notification {
  const a = s.alert;
  const d = s.diagnosis;
  const fields = [
    { name: 'Incident', value: s.fingerprint },
    { name: 'Source', value: a?.source ?? 'unknown' },
    { name: 'Severity', value: a?.severity ?? 'unknown' },
    { name: 'Decide within', value: `${decisionTimeoutHours} h` },
  ];
  if (d?.status === 'diagnosed') {
    if (d.likelyCauses.length) fields.push({ name: 'Likely causes', value: d.likelyCauses.slice(0, 5).map((c) => sanitizeUntrusted(c, 200)).join('\n') });
    if (d.suggestedChecks.length) fields.push({ name: 'Suggested checks', value: d.suggestedChecks.slice(0, 5).map((c) => sanitizeUntrusted(c, 200)).join('\n') });
  }
  const diagnosis = d?.status === 'diagnosed' ? `Diagnosis (confidence ${Math.round(d.confidence * 100)} %): ${d.summary}` : `No diagnosis: ${d?.reason ?? 'none'}`;
  return {
    kind: 'alert_investigation',
    workflowId: s.workflowId,
    title: `Incident awaiting a decision: ${sanitizeUntrusted(a?.name ?? s.fingerprint, 120)}`,
    body: [sanitizeUntrusted(a?.summary ?? '', 500), sanitizeUntrusted(diagnosis, 1000), 'Approving records the decision; nothing is executed.'].filter(Boolean).join('\n'),
    fields,
    incident: s.fingerprint,
  };
}
