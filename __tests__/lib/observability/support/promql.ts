// Pulls the metric names out of a PromQL/MetricsQL expression, well enough for the platform's own queries:
// strings, label matchers, grouping lists and range windows are stripped, functions and keywords skipped.

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, '[]');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (keywords.has(name.toLowerCase()) || after.startsWith('(')) continue;
    const before = stripped.slice(0, match.index ?? 0);
    if (/[0-9.]$/.test(before) || /\$$/.test(before)) continue;
    names.add(name);
  }
  return [...names];
}

/** Grafana's interval variables replaced by a fixed window, so promtool and vmalert can parse the query. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m');
}
