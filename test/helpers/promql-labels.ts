// Which label names the shipped PromQL (Grafana dashboard, alerting rules) uses, checked against the labels the
// series really carry. Not a PromQL parser: it reads selectors `name{label op "v", ...}`, `by (...)` / `without (...)`
// clauses, bare metric names and legend / annotation templates, which is all the shipped expressions use.

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['instance', 'job'];

const SELECTOR = /\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g;
const GROUPING = /\b(?:by|without)\s*\(([^)]*)\)/g;
const TEMPLATE = /\{\{\s*\$?(?:labels\.)?([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

/**
 * Every label of `expr` (and of the legend or annotation templates shown for its result) that no series it names
 * carries. `labelsOf` answers a metric's label names (undefined: a metric this check does not know, reported too).
 */
export function unknownLabels(expr: string, labelsOf: (metric: string) => string[] | undefined, templates: string[] = [], metricName = /^(palisade|temporal)_/): string[] {
  const problems: string[] = [];
  const metrics = [...new Set(expr.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])].filter((m) => metricName.test(m));
  const known = (m: string) => {
    const l = labelsOf(m);
    if (l === undefined) problems.push(`${m}: not a known metric`);
    return [...(l ?? []), ...TARGET_LABELS, ...(m.endsWith('_bucket') ? ['le'] : [])];
  };
  for (const [, metric, body] of expr.matchAll(SELECTOR)) {
    if (!metricName.test(metric)) continue;
    const allowed = known(metric);
    for (const [, label] of body.matchAll(MATCHER)) if (!allowed.includes(label)) problems.push(`${metric}{${label}}: no such label`);
  }
  const anyMetric = new Set(metrics.flatMap(known));
  const grouping = [...expr.matchAll(GROUPING)].flatMap(([, list]) => list.split(',').map((s) => s.trim()).filter(Boolean));
  for (const label of grouping) if (!anyMetric.has(label)) problems.push(`by/without (${label}): no metric of "${expr}" has it`);
  // What a legend or annotation can show: the grouping labels when the expression aggregates, else the series' own.
  const shown = grouping.length > 0 ? new Set(grouping) : anyMetric;
  for (const t of templates) {
    for (const [, label] of t.matchAll(TEMPLATE)) if (label !== 'value' && !shown.has(label)) problems.push(`template {{${label}}}: not a label of the result of "${expr}"`);
  }
  return problems;
}
