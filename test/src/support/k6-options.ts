/**
 * A validator for k6 script options, written from k6's options, scenarios and thresholds
 * reference: k6 itself rejects most of these mistakes only when the script runs (or, for a
 * misspelt option, silently ignores it), and k6 is not available where the suites run.
 * `validateOptions` returns every problem found, each with its path, and none for valid options.
 */

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** k6's built-in metrics (HTTP, WebSocket and the execution ones) and their types. */
export const BUILTIN_METRICS: Readonly<Record<string, MetricType>> = {
  checks: 'rate',
  data_received: 'counter',
  data_sent: 'counter',
  dropped_iterations: 'counter',
  group_duration: 'trend',
  iteration_duration: 'trend',
  iterations: 'counter',
  vus: 'gauge',
  vus_max: 'gauge',
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  http_req_receiving: 'trend',
  http_req_sending: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_waiting: 'trend',
  http_reqs: 'counter',
  ws_connecting: 'trend',
  ws_msgs_received: 'counter',
  ws_msgs_sent: 'counter',
  ws_ping: 'trend',
  ws_session_duration: 'trend',
  ws_sessions: 'counter',
};

/** Which aggregations a threshold may use on each metric type. */
const AGGREGATIONS: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/,
};

/** Options a script may set (the CLI-only ones, such as `out` or `address`, are not among them). */
const TOP_LEVEL = new Set([
  'batch',
  'batchPerHost',
  'blacklistIPs',
  'blockHostnames',
  'cloud',
  'discardResponseBodies',
  'dns',
  'duration',
  'executionSegment',
  'executionSegmentSequence',
  'ext',
  'handleSummaryTimeout',
  'hosts',
  'httpDebug',
  'insecureSkipTLSVerify',
  'iterations',
  'linger',
  'localIPs',
  'maxRedirects',
  'minIterationDuration',
  'noConnectionReuse',
  'noCookiesReset',
  'noSetup',
  'noTeardown',
  'noUsageReport',
  'noVUConnectionReuse',
  'paused',
  'rps',
  'scenarios',
  'setupTimeout',
  'stages',
  'summaryTimeUnit',
  'summaryTrendStats',
  'systemTags',
  'tags',
  'teardownTimeout',
  'thresholds',
  'throw',
  'tlsAuth',
  'tlsCipherSuites',
  'tlsVersion',
  'userAgent',
  'vus',
  'vusMax',
]);

/** The execution shortcuts, which k6 ignores once `scenarios` is set. */
const SHORTCUTS = ['vus', 'duration', 'iterations', 'stages'];

const COMMON_SCENARIO_KEYS = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags', 'options'];

/** Each executor's own keys, and which of them it requires. */
const EXECUTORS: Record<string, { keys: string[]; required: string[] }> = {
  'shared-iterations': { keys: ['vus', 'iterations', 'maxDuration'], required: [] },
  'per-vu-iterations': { keys: ['vus', 'iterations', 'maxDuration'], required: [] },
  'constant-vus': { keys: ['vus', 'duration'], required: ['duration'] },
  'ramping-vus': { keys: ['stages', 'startVUs', 'gracefulRampDown'], required: ['stages'] },
  'constant-arrival-rate': {
    keys: ['duration', 'rate', 'timeUnit', 'preAllocatedVUs', 'maxVUs'],
    required: ['duration', 'rate', 'preAllocatedVUs'],
  },
  'ramping-arrival-rate': {
    keys: ['stages', 'startRate', 'timeUnit', 'preAllocatedVUs', 'maxVUs'],
    required: ['stages', 'preAllocatedVUs'],
  },
};

const DURATION_KEYS = new Set(['startTime', 'gracefulStop', 'maxDuration', 'duration', 'gracefulRampDown', 'timeUnit']);
const COUNT_KEYS = new Set(['vus', 'iterations', 'startVUs', 'rate', 'startRate', 'preAllocatedVUs', 'maxVUs']);

/** k6's duration strings: `500ms`, `30s`, `1m30s`, `2h`, `1.5s`. */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/;
/** `metric` or `metric{tag:value,…}`, the form k6 takes for thresholds on sub-metrics. */
const THRESHOLD_NAME = /^([A-Za-z_][A-Za-z0-9_.]*)(\{[^{}:,]+:[^{}:,]*(,[^{}:,]+:[^{}:,]*)*\})?$/;
/** `<aggregation> <operator> <number>`. */
const EXPRESSION = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
const TREND_STAT = /^(avg|min|med|max|count|p\((\d+(\.\d+)?)\))$/;
const SCENARIO_NAME = /^[A-Za-z0-9_-]+$/;

export interface ValidateContext {
  /** The script's own metrics (name → type), besides the built-in ones. */
  metrics?: Record<string, MetricType>;
  /** The script's exported functions, which `exec` may name (`default` when omitted). */
  functions?: string[];
}

export function validateOptions(options: unknown, context: ValidateContext = {}): string[] {
  const errors: string[] = [];
  if (!isRecord(options)) return ['options: not an object'];
  for (const key of Object.keys(options)) if (!TOP_LEVEL.has(key)) errors.push(`options.${key}: not a k6 option`);
  for (const key of ['duration', 'setupTimeout', 'teardownTimeout', 'handleSummaryTimeout', 'minIterationDuration'])
    if (key in options) duration(options[key], `options.${key}`, errors);
  for (const key of ['vus', 'iterations', 'vusMax', 'batch', 'batchPerHost', 'maxRedirects', 'rps'])
    if (key in options) count(options[key], `options.${key}`, errors);
  if ('stages' in options) stages(options.stages, 'options.stages', errors);
  if ('tags' in options) stringMap(options.tags, 'options.tags', errors);
  if ('summaryTimeUnit' in options && !['s', 'ms', 'us'].includes(String(options.summaryTimeUnit)))
    errors.push(`options.summaryTimeUnit: "${String(options.summaryTimeUnit)}" is not s, ms or us`);
  if ('summaryTrendStats' in options) trendStats(options.summaryTrendStats, errors);
  if ('scenarios' in options) {
    for (const key of SHORTCUTS) if (key in options) errors.push(`options.${key}: ignored by k6 when scenarios are set`);
    scenarios(options.scenarios, context, errors);
  }
  if ('thresholds' in options) thresholds(options.thresholds, { ...BUILTIN_METRICS, ...context.metrics }, errors);
  return errors;
}

function scenarios(value: unknown, context: ValidateContext, errors: string[]): void {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    errors.push('options.scenarios: an object of one or more scenarios');
    return;
  }
  const functions = context.functions ?? ['default'];
  for (const [name, scenario] of Object.entries(value)) {
    const path = `options.scenarios.${name}`;
    if (!SCENARIO_NAME.test(name)) errors.push(`${path}: scenario names are letters, digits, _ and -`);
    if (!isRecord(scenario)) {
      errors.push(`${path}: not an object`);
      continue;
    }
    const executorName = typeof scenario.executor === 'string' ? scenario.executor : JSON.stringify(scenario.executor);
    const executor = EXECUTORS[executorName];
    if (!executor) {
      errors.push(`${path}.executor: ${scenario.executor === undefined ? 'missing' : `unknown executor "${executorName}"`}`);
      continue;
    }
    const allowed = new Set([...COMMON_SCENARIO_KEYS, ...executor.keys]);
    for (const key of Object.keys(scenario)) if (!allowed.has(key)) errors.push(`${path}.${key}: not an option of ${executorName}`);
    for (const key of executor.required) if (!(key in scenario)) errors.push(`${path}.${key}: required by ${executorName}`);
    for (const [key, entry] of Object.entries(scenario)) {
      if (DURATION_KEYS.has(key)) duration(entry, `${path}.${key}`, errors);
      if (COUNT_KEYS.has(key)) count(entry, `${path}.${key}`, errors);
    }
    if ('stages' in scenario) stages(scenario.stages, `${path}.stages`, errors);
    if ('tags' in scenario) stringMap(scenario.tags, `${path}.tags`, errors);
    if ('env' in scenario) stringMap(scenario.env, `${path}.env`, errors);
    const exec = scenario.exec ?? 'default';
    if (typeof exec !== 'string' || !functions.includes(exec))
      errors.push(`${path}.exec: the script exports no function ${JSON.stringify(exec)}`);
    if (typeof scenario.maxVUs === 'number' && typeof scenario.preAllocatedVUs === 'number' && scenario.maxVUs < scenario.preAllocatedVUs)
      errors.push(`${path}.maxVUs: below preAllocatedVUs`);
  }
}

function thresholds(value: unknown, metrics: Record<string, MetricType>, errors: string[]): void {
  if (!isRecord(value)) {
    errors.push('options.thresholds: not an object');
    return;
  }
  for (const [name, list] of Object.entries(value)) {
    const path = `options.thresholds["${name}"]`;
    const match = THRESHOLD_NAME.exec(name);
    const type = match ? metrics[match[1]] : undefined;
    if (!match) errors.push(`${path}: not a metric name, or name{tag:value}`);
    else if (!type) errors.push(`${path}: no metric "${match[1]}" (k6 refuses thresholds on metrics the script does not define)`);
    if (!Array.isArray(list) || list.length === 0) {
      errors.push(`${path}: a list of one or more threshold expressions`);
      continue;
    }
    list.forEach((entry: unknown, i) => threshold(entry, type, `${path}[${i}]`, errors));
  }
}

function threshold(entry: unknown, type: MetricType | undefined, path: string, errors: string[]): void {
  let expression: unknown = entry;
  if (isRecord(entry)) {
    for (const key of Object.keys(entry))
      if (!['threshold', 'abortOnFail', 'delayAbortEval'].includes(key)) errors.push(`${path}.${key}: not a threshold option`);
    if ('abortOnFail' in entry && typeof entry.abortOnFail !== 'boolean') errors.push(`${path}.abortOnFail: not a boolean`);
    if ('delayAbortEval' in entry) duration(entry.delayAbortEval, `${path}.delayAbortEval`, errors);
    expression = entry.threshold;
  }
  if (typeof expression !== 'string') {
    errors.push(`${path}: an expression string, or { threshold, abortOnFail?, delayAbortEval? }`);
    return;
  }
  const match = EXPRESSION.exec(expression);
  if (!match) {
    errors.push(`${path}: "${expression}" is not "<aggregation> <operator> <number>"`);
    return;
  }
  const percentile = /^p\((.+)\)$/.exec(match[1]);
  if (percentile && Number(percentile[1]) > 100) errors.push(`${path}: ${match[1]} is past p(100)`);
  if (type && !AGGREGATIONS[type].test(match[1])) errors.push(`${path}: "${match[1]}" does not apply to a ${type} metric`);
}

function trendStats(value: unknown, errors: string[]): void {
  if (!Array.isArray(value)) {
    errors.push('options.summaryTrendStats: not a list');
    return;
  }
  value.forEach((stat: unknown, i) => {
    const match = typeof stat === 'string' ? TREND_STAT.exec(stat) : null;
    if (!match || (match[2] !== undefined && Number(match[2]) > 100))
      errors.push(`options.summaryTrendStats[${i}]: "${String(stat)}" is not avg, min, med, max, count or p(N)`);
  });
}

function stages(value: unknown, path: string, errors: string[]): void {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push(`${path}: a list of one or more { duration, target }`);
    return;
  }
  value.forEach((stage: unknown, i) => {
    if (!isRecord(stage)) {
      errors.push(`${path}[${i}]: not an object`);
      return;
    }
    for (const key of Object.keys(stage))
      if (key !== 'duration' && key !== 'target') errors.push(`${path}[${i}].${key}: not a stage option`);
    duration(stage.duration, `${path}[${i}].duration`, errors);
    count(stage.target, `${path}[${i}].target`, errors);
  });
}

function duration(value: unknown, path: string, errors: string[]): void {
  if (typeof value !== 'string' || !DURATION.test(value)) errors.push(`${path}: "${String(value)}" is not a duration such as 30s or 1m30s`);
}

function count(value: unknown, path: string, errors: string[]): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    errors.push(`${path}: ${String(value)} is not a whole number ≥ 0`);
}

function stringMap(value: unknown, path: string, errors: string[]): void {
  if (!isRecord(value)) errors.push(`${path}: not an object`);
  else for (const [key, entry] of Object.entries(value)) if (typeof entry !== 'string') errors.push(`${path}.${key}: not a string`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
