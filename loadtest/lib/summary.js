// End-of-test reports from k6's summary object (the `data` handleSummary() gets): a JUnit XML file
// with one testcase per threshold, for CI systems that show test reports, and a plain-text summary
// for the log. It imports nothing, so the same file runs in k6 and in Node, where it is tested.

/**
 * The trend statistics every script asks k6 for (`options.summaryTrendStats`): the thresholds use
 * p(95) and p(99), and k6 leaves p(99) out by default.
 */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

/**
 * @typedef {{ type: 'counter' | 'gauge' | 'rate' | 'trend', contains: 'default' | 'time' | 'data',
 *   values: Record<string, number>, thresholds?: Record<string, { ok: boolean }> }} SummaryMetric
 * @typedef {{ name: string, path: string, passes: number, fails: number }} SummaryCheck
 * @typedef {{ name: string, path: string, groups: SummaryGroup[], checks: SummaryCheck[] }} SummaryGroup
 * @typedef {{
 *   metrics: Record<string, SummaryMetric>,
 *   root_group: SummaryGroup,
 *   options?: { summaryTrendStats?: string[], summaryTimeUnit?: string, noColor?: boolean },
 *   state?: { testRunDurationMs?: number, isStdOutTTY?: boolean, isStdErrTTY?: boolean },
 * }} SummaryData
 * @typedef {{ metric: string, expression: string, ok: boolean, observed: string }} ThresholdResult
 */

/**
 * Every threshold of the run, in the order k6 reports metrics, with what was measured.
 * @param {SummaryData} data
 * @returns {ThresholdResult[]}
 */
export function thresholdResults(data) {
  /** @type {ThresholdResult[]} */
  const results = [];
  for (const name of Object.keys(data.metrics).sort()) {
    const metric = data.metrics[name];
    for (const expression of Object.keys(metric.thresholds || {})) {
      const ok = !!(metric.thresholds && metric.thresholds[expression].ok);
      results.push({ metric: name, expression, ok, observed: observedValue(metric, expression) });
    }
  }
  return results;
}

/**
 * What a threshold expression reads from its metric: `p(95)<300` → `p(95)=412.20ms`.
 * @param {SummaryMetric} metric
 * @param {string} expression
 */
function observedValue(metric, expression) {
  const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)/.exec(expression);
  const stat = match ? match[1] : '';
  const value = metric.values[stat];
  return value === undefined ? `${stat || expression}: not reported` : `${stat}=${formatStat(metric, stat, value)}`;
}

/**
 * @param {SummaryMetric} metric
 * @param {string} stat
 * @param {number} value
 */
function formatStat(metric, stat, value) {
  if (stat === 'rate' && metric.type === 'rate') return `${round(value * 100)}%`;
  if (stat === 'rate') return `${metric.contains === 'data' ? formatBytes(value) : round(value)}/s`;
  if (stat === 'count' || stat === 'passes' || stat === 'fails') return String(value);
  if (metric.contains === 'time') return formatMs(value);
  if (metric.contains === 'data') return formatBytes(value);
  return String(round(value));
}

/** @param {number} ms */
function formatMs(ms) {
  if (ms >= 60_000) return `${round(ms / 60_000)}m`;
  if (ms >= 1000) return `${round(ms / 1000)}s`;
  return `${round(ms)}ms`;
}

/** @param {number} bytes */
function formatBytes(bytes) {
  if (bytes >= 1e9) return `${round(bytes / 1e9)} GB`;
  if (bytes >= 1e6) return `${round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${round(bytes / 1e3)} kB`;
  return `${round(bytes)} B`;
}

/** @param {number} value */
function round(value) {
  return Math.round(value * 100) / 100;
}

/**
 * The run as a JUnit report: one `<testsuite>` named after the script, one `<testcase>` per
 * threshold (`classname` the metric, `name` the expression), a `<failure>` for each crossed one.
 * @param {SummaryData} data
 * @param {{ suite: string, properties?: Record<string, string> }} options
 */
export function junitXml(data, options) {
  const results = thresholdResults(data);
  const failures = results.filter((result) => !result.ok).length;
  const seconds = ((data.state && data.state.testRunDurationMs) || 0) / 1000;
  const props = Object.keys(options.properties || {}).map(
    (name) => `      <property name="${xml(name)}" value="${xml(String((options.properties || {})[name]))}"/>`,
  );
  const cases = results.map((result) => {
    const open = `    <testcase classname="${xml(`${options.suite}.${result.metric}`)}" name="${xml(`${result.metric}: ${result.expression}`)}" time="0"`;
    if (result.ok) return `${open}/>`;
    const message = `${result.metric} ${result.expression} crossed: ${result.observed}`;
    return `${open}>\n      <failure type="threshold" message="${xml(message)}">${xml(message)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="k6" tests="${results.length}" failures="${failures}" errors="0" time="${seconds}">`,
    `  <testsuite name="${xml(options.suite)}" tests="${results.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}">`,
    ...(props.length > 0 ? ['    <properties>', ...props, '    </properties>'] : []),
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** @param {string} text */
function xml(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/**
 * A readable summary for the log: thresholds with what was measured, checks by group, then every
 * metric. No colours: CI logs and files read the same.
 * @param {SummaryData} data
 * @param {{ suite: string }} options
 */
export function textSummary(data, options) {
  const results = thresholdResults(data);
  const failed = results.filter((result) => !result.ok).length;
  const seconds = round(((data.state && data.state.testRunDurationMs) || 0) / 1000);
  const lines = [`${options.suite}: ${seconds}s, ${results.length - failed}/${results.length} thresholds passed`, ''];
  if (results.length > 0) {
    lines.push('thresholds');
    for (const result of results)
      lines.push(`  ${result.ok ? 'ok  ' : 'FAIL'} ${result.metric}: ${result.expression}  (${result.observed})`);
    lines.push('');
  }
  const checks = checkLines(data.root_group, '');
  if (checks.length > 0) lines.push('checks', ...checks, '');
  lines.push('metrics');
  const names = Object.keys(data.metrics).sort();
  const width = Math.max(0, ...names.map((name) => name.length));
  for (const name of names) lines.push(`  ${name.padEnd(width)}  ${metricLine(data.metrics[name], data.options)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * @param {SummaryGroup | undefined} group
 * @param {string} indent
 * @returns {string[]}
 */
function checkLines(group, indent) {
  if (!group) return [];
  /** @type {string[]} */
  const lines = [];
  for (const check of group.checks || []) {
    const total = check.passes + check.fails;
    lines.push(`${indent}  ${check.fails === 0 ? 'ok  ' : 'FAIL'} ${check.name}: ${check.passes}/${total} passed`);
  }
  for (const child of group.groups || []) {
    const nested = checkLines(child, `${indent}  `);
    if (nested.length > 0) lines.push(`${indent}  ${child.name}`, ...nested);
  }
  return lines;
}

/**
 * @param {SummaryMetric} metric
 * @param {SummaryData['options']} options
 */
function metricLine(metric, options) {
  const values = metric.values;
  switch (metric.type) {
    case 'counter':
      return `${formatStat(metric, 'value', values.count)}  ${formatStat(metric, 'rate', values.rate)}`;
    case 'rate':
      return `${formatStat(metric, 'rate', values.rate)}  (${values.passes} of ${values.passes + values.fails})`;
    case 'gauge':
      return `${formatStat(metric, 'value', values.value)}  min=${formatStat(metric, 'min', values.min)} max=${formatStat(metric, 'max', values.max)}`;
    case 'trend': {
      const stats = (options && options.summaryTrendStats) || Object.keys(values);
      return stats
        .filter((stat) => values[stat] !== undefined)
        .map((stat) => `${stat}=${formatStat(metric, stat, values[stat])}`)
        .join(' ');
    }
    default:
      return JSON.stringify(values);
  }
}

/**
 * What handleSummary() returns: the text summary on stdout, and `<script>-summary.json` (k6's whole
 * summary object) and `<script>-junit.xml` in `dir`.
 * @param {SummaryData} data
 * @param {{ script: string, dir?: string, properties?: Record<string, string> }} options
 * @returns {Record<string, string>}
 */
export function summaryOutputs(data, options) {
  const dir = options.dir || '.';
  const file = (/** @type {string} */ name) => (dir === '.' ? name : `${dir.replace(/\/+$/, '')}/${name}`);
  return {
    stdout: textSummary(data, { suite: options.script }),
    [file(`${options.script}-summary.json`)]: JSON.stringify(data, null, 2),
    [file(`${options.script}-junit.xml`)]: junitXml(data, { suite: options.script, properties: options.properties }),
  };
}
