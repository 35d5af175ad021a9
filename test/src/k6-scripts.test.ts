import assert from 'node:assert/strict';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { validateOptions, type MetricType } from './support/k6-options';
import { definedMetrics } from './support/k6-stubs/metrics';

/**
 * The k6 scripts without k6: their exported options are imported into Node (k6's modules resolve
 * to the stand-ins in support/k6-stubs) and checked against a validator written from k6's
 * options reference; the end-of-test reports of lib/summary.js are checked on a summary object
 * shaped as k6 hands it to handleSummary().
 */

const loadtest = resolve(__dirname, '../../loadtest');
const SCRIPTS = ['http-journey', 'chat', 'soak', 'spike'] as const;
type Script = (typeof SCRIPTS)[number];

type Options = Record<string, unknown> & {
  tags?: Record<string, string>;
  summaryTrendStats?: string[];
  thresholds?: Record<string, Array<string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string }>>;
};
type ScriptModule = Record<string, unknown> & { options: Options };
type SummaryData = {
  metrics: Record<string, { type: string; contains: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  root_group: {
    name: string;
    path: string;
    groups: unknown[];
    checks: Array<{ name: string; path: string; passes: number; fails: number }>;
  };
  options?: { summaryTrendStats?: string[] };
  state?: { testRunDurationMs?: number };
};
interface Summary {
  SUMMARY_TREND_STATS: string[];
  junitXml(data: SummaryData, options: { suite: string; properties?: Record<string, string> }): string;
  textSummary(data: SummaryData, options: { suite: string }): string;
  summaryOutputs(data: SummaryData, options: { script: string; dir?: string; properties?: Record<string, string> }): Record<string, string>;
}

// k6's globals, as a run with `-e TESTID=ci42 -e SUMMARY_DIR=reports/` would set them.
Object.assign(globalThis, { __ENV: { TESTID: 'ci42', SUMMARY_DIR: 'reports/' }, __VU: 0, __ITER: 0 });
register(pathToFileURL(join(__dirname, 'support/k6-loader.js')));

const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(loadtest, path)).href) as Promise<T>;

/** A summary as k6 builds it: two thresholds crossed (one on a tagged sub-metric), two held. */
function sampleSummary(): SummaryData {
  return {
    metrics: {
      checks: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.995, passes: 199, fails: 1 },
        thresholds: { 'rate>0.99': { ok: true } },
      },
      http_req_duration: {
        type: 'trend',
        contains: 'time',
        values: { avg: 120.5, min: 3.2, med: 98.1, max: 2400, 'p(90)': 300.4, 'p(95)': 612.25, 'p(99)': 1800 },
        thresholds: { 'p(95)<500': { ok: false }, 'p(99)<1500': { ok: false } },
      },
      'http_req_duration{name:post message}': {
        type: 'trend',
        contains: 'time',
        values: { avg: 50, min: 10, med: 40, max: 200, 'p(90)': 90, 'p(95)': 120, 'p(99)': 180 },
        thresholds: { 'p(95)<300': { ok: true } },
      },
      rate_limited: { type: 'counter', contains: 'default', values: { count: 3, rate: 0.05 }, thresholds: { 'count<1': { ok: false } } },
      http_reqs: { type: 'counter', contains: 'default', values: { count: 600, rate: 10 } },
      vus: { type: 'gauge', contains: 'default', values: { value: 0, min: 0, max: 10 } },
      data_received: { type: 'counter', contains: 'data', values: { count: 2_500_000, rate: 41_000 } },
    },
    root_group: {
      name: '',
      path: '',
      groups: [
        {
          name: 'auth',
          path: '::auth',
          groups: [],
          checks: [{ name: 'signed up (201)', path: '::auth::signed up (201)', passes: 99, fails: 1 }],
        },
      ],
      checks: [{ name: 'target is ready', path: '::target is ready', passes: 1, fails: 0 }],
    },
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'] },
    state: { testRunDurationMs: 61_500 },
  };
}

type XmlElement = { name: string; attributes: Record<string, string>; children: XmlElement[]; text: string };

/**
 * A strict reader for the XML the reports use (declaration, elements, attributes, text, the five
 * entities): it throws on anything malformed, such as an unescaped `<` or `&`, or a tag closed out of order.
 */
function parseXml(xml: string): XmlElement {
  const decode = (text: string): string => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`bare & in ${JSON.stringify(text)}`);
    return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ?? '');
  };
  let rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n/, '');
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  while (rest.length > 0) {
    const open = rest.indexOf('<');
    const text = open === -1 ? rest : rest.slice(0, open);
    if (text.includes('>')) throw new Error(`bare > in ${JSON.stringify(text)}`);
    stack[stack.length - 1].text += decode(text);
    if (open === -1) break;
    const tag = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(rest.slice(open));
    if (!tag) throw new Error(`malformed tag at ${JSON.stringify(rest.slice(open, open + 60))}`);
    rest = rest.slice(open + tag[0].length);
    const [, closing, name, attributeText, selfClosing] = tag;
    if (closing) {
      const top = stack.pop();
      if (!top || top.name !== name || stack.length === 0) throw new Error(`</${name}> closes <${top?.name}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, value] of attributeText.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) attributes[key] = decode(value);
    const element: XmlElement = { name, attributes, children: [], text: '' };
    stack[stack.length - 1].children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (root.children.length !== 1 || root.text.trim() !== '') throw new Error('not exactly one root element');
  return root.children[0];
}

const childrenNamed = (element: XmlElement, name: string) => element.children.filter((child) => child.name === name);

describe('the k6 scripts, loaded in Node', () => {
  const scripts = new Map<Script, ScriptModule>();
  const metrics: Record<string, MetricType> = {};
  before(async () => {
    for (const script of SCRIPTS) scripts.set(script, await load<ScriptModule>(`${script}.js`));
    // The scripts share chat.js's metrics: validate every script against all of them.
    for (const [name, type] of definedMetrics()) metrics[name] = type;
  });
  const script = (name: Script): ScriptModule => scripts.get(name) ?? assert.fail(`${name}.js not loaded`);
  const functions = (module: ScriptModule) => Object.keys(module).filter((key) => typeof module[key] === 'function');

  for (const name of SCRIPTS) {
    describe(`${name}.js`, () => {
      it('has options k6 accepts: known options, scenarios and executors, durations, thresholds on defined metrics', () => {
        assert.ok(Object.keys(metrics).length > 0, 'the metrics stub recorded nothing');
        assert.deepEqual(validateOptions(script(name).options, { metrics, functions: functions(script(name)) }), []);
      });

      it('exports the lifecycle a CI run needs: setup, teardown and handleSummary', () => {
        for (const fn of ['setup', 'teardown', 'handleSummary'])
          assert.equal(typeof script(name)[fn], 'function', `${name}.js exports no ${fn}()`);
      });

      it('tags every metric with the run’s testid (TESTID from the environment)', () => {
        assert.equal(script(name).options.tags?.testid, 'ci42');
      });

      it('reports p(99) and aborts on the thresholds that make a run meaningless', () => {
        const options = script(name).options;
        assert.ok(options.summaryTrendStats?.includes('p(99)'), 'summaryTrendStats without p(99)');
        const checks = options.thresholds?.checks ?? [];
        const fatal = Object.values(options.thresholds ?? {})
          .flat()
          .filter((entry) => typeof entry === 'object' && entry.abortOnFail === true);
        assert.ok(
          checks.some((entry) => typeof entry === 'object' && entry.abortOnFail === true),
          'the checks threshold does not abort',
        );
        assert.ok(fatal.length >= 2, 'fewer than two thresholds abort the run');
        for (const entry of fatal)
          assert.ok(typeof entry === 'object' && entry.delayAbortEval, `${JSON.stringify(entry)} aborts at the first sample`);
      });

      it('writes its summary as text on stdout and as JSON and JUnit files named after it, in SUMMARY_DIR', () => {
        const handleSummary = script(name).handleSummary as (data: SummaryData) => Record<string, string>;
        const outputs = handleSummary(sampleSummary());
        assert.deepEqual(Object.keys(outputs).sort(), [`reports/${name}-junit.xml`, `reports/${name}-summary.json`, 'stdout'].sort());
        assert.deepEqual(JSON.parse(outputs[`reports/${name}-summary.json`]), sampleSummary());
        const suite = childrenNamed(parseXml(outputs[`reports/${name}-junit.xml`]), 'testsuite')[0];
        assert.equal(suite.attributes.name, name);
        assert.match(outputs.stdout, new RegExp(`^${name}: `));
      });
    });
  }

  it('the socket scripts use k6/websockets and k6/timers, not the legacy k6/ws', async () => {
    const { readFile } = await import('node:fs/promises');
    const chat = await readFile(join(loadtest, 'chat.js'), 'utf8');
    assert.match(chat, /from 'k6\/websockets'/);
    assert.match(chat, /from 'k6\/timers'/);
    for (const file of ['chat.js', 'soak.js', 'spike.js', 'lib/http.js']) {
      assert.doesNotMatch(await readFile(join(loadtest, file), 'utf8'), /from 'k6\/ws'/, `${file} imports k6/ws`);
    }
  });

  describe('the options validator', () => {
    /** What a script written in plain JS could hold, past what the types allow. */
    const untyped = (value: unknown) => value as Options['thresholds'];
    const valid = (): Options => structuredClone(script('chat').options);
    const errorsOf = (options: unknown, context = { metrics, functions: ['default', 'storm'] }) => validateOptions(options, context);
    const rejects = (mutate: (options: Options & { scenarios: Record<string, Record<string, unknown>> }) => void, expected: RegExp) => {
      const options = valid() as Options & { scenarios: Record<string, Record<string, unknown>> };
      mutate(options);
      const errors = errorsOf(options);
      assert.ok(
        errors.some((error) => expected.test(error)),
        `expected an error matching ${expected}, got ${JSON.stringify(errors)}`,
      );
    };

    it('accepts the unchanged options it is given as the base of the cases below', () => {
      assert.deepEqual(errorsOf(valid()), []);
    });

    it('rejects misspelt options, at the top level and in a scenario', () => {
      rejects((o) => (o.vu = 10), /^options\.vu: not a k6 option/);
      rejects((o) => (o.threshold = {}), /^options\.threshold: not a k6 option/);
      rejects((o) => {
        o.scenarios.chat.executer = o.scenarios.chat.executor;
      }, /scenarios\.chat\.executer: not an option of ramping-vus/);
      rejects((o) => (o.scenarios.chat.gracefulRampdown = '10s'), /scenarios\.chat\.gracefulRampdown: not an option/);
    });

    it('rejects unknown executors, missing required keys and keys of another executor', () => {
      rejects((o) => (o.scenarios.chat.executor = 'ramping-vu'), /unknown executor "ramping-vu"/);
      rejects((o) => delete o.scenarios.chat.executor, /scenarios\.chat\.executor: missing/);
      rejects((o) => delete o.scenarios.chat.stages, /scenarios\.chat\.stages: required by ramping-vus/);
      rejects(
        (o) => (o.scenarios.chat = { executor: 'constant-vus', vus: 2, duration: '1m', gracefulRampDown: '5s' }),
        /gracefulRampDown: not an option of constant-vus/,
      );
      rejects((o) => (o.scenarios.chat = { executor: 'constant-arrival-rate', rate: 5, duration: '1m' }), /preAllocatedVUs: required/);
      rejects((o) => (o.scenarios.chat.exec = 'chatt'), /exec: the script exports no function "chatt"/);
      rejects((o) => (o.vus = 5), /options\.vus: ignored by k6 when scenarios are set/);
    });

    it('rejects bad durations and counts', () => {
      rejects((o) => (o.scenarios.chat.gracefulStop = '30 seconds'), /gracefulStop: "30 seconds" is not a duration/);
      rejects((o) => (o.setupTimeout = 180), /setupTimeout: "180" is not a duration/);
      rejects(
        (o) => ((o.scenarios.chat.stages as Array<Record<string, unknown>>)[0].target = 2.5),
        /stages\[0\]\.target: 2\.5 is not a whole number/,
      );
      rejects((o) => ((o.scenarios.chat.stages as Array<Record<string, unknown>>)[0].vus = 2), /stages\[0\]\.vus: not a stage option/);
    });

    it('rejects bad thresholds: syntax, aggregation for the metric type, unknown metrics, bad object form', () => {
      rejects((o) => (o.thresholds = { http_req_duration: ['p95<200'] }), /"p95<200" is not "<aggregation> <operator> <number>"/);
      rejects((o) => (o.thresholds = { http_req_duration: ['p(95)<'] }), /is not "<aggregation>/);
      rejects((o) => (o.thresholds = { http_req_duration: ['p(101)<200'] }), /past p\(100\)/);
      rejects((o) => (o.thresholds = { http_req_duration: ['rate<0.1'] }), /"rate" does not apply to a trend metric/);
      rejects((o) => (o.thresholds = { checks: ['count<1'] }), /"count" does not apply to a rate metric/);
      rejects((o) => (o.thresholds = { chat_ack_latncy: ['p(95)<300'] }), /no metric "chat_ack_latncy"/);
      rejects((o) => (o.thresholds = { 'chat_errors{kind}': ['count<1'] }), /not a metric name, or name\{tag:value\}/);
      rejects(
        (o) => (o.thresholds = untyped({ checks: [{ threshold: 'rate>0.9', abortOnfail: true }] })),
        /abortOnfail: not a threshold option/,
      );
      rejects((o) => (o.thresholds = untyped({ checks: [{ threshold: 'rate>0.9', abortOnFail: 'yes' }] })), /abortOnFail: not a boolean/);
      rejects(
        (o) => (o.thresholds = { checks: [{ threshold: 'rate>0.9', abortOnFail: true, delayAbortEval: '1 minute' }] }),
        /delayAbortEval: "1 minute"/,
      );
      rejects((o) => (o.thresholds = { checks: [] }), /a list of one or more threshold expressions/);
    });

    it('rejects summaryTrendStats k6 does not know', () => {
      rejects((o) => (o.summaryTrendStats = ['avg', 'p95']), /summaryTrendStats\[1\]: "p95"/);
      rejects((o) => (o.summaryTrendStats = ['mean']), /summaryTrendStats\[0\]: "mean"/);
      rejects((o) => (o.summaryTrendStats = ['p(100.5)']), /summaryTrendStats\[0\]/);
    });
  });
});

describe('lib/summary.js', () => {
  let summary: Summary;
  before(async () => {
    summary = await load<Summary>('lib/summary.js');
  });

  it('asks k6 for p(95) and p(99) among the trend statistics', () => {
    assert.ok(summary.SUMMARY_TREND_STATS.includes('p(95)') && summary.SUMMARY_TREND_STATS.includes('p(99)'));
  });

  it('writes well-formed JUnit XML: one testcase per threshold, a failure for each crossed one, with what was measured', () => {
    const xml = summary.junitXml(sampleSummary(), {
      suite: 'http-journey',
      properties: { testid: 'ci42', base_url: 'https://a.example/?x=1&y=<2>' },
    });
    const root = parseXml(xml);
    assert.equal(root.name, 'testsuites');
    assert.equal(root.attributes.tests, '5');
    assert.equal(root.attributes.failures, '3');
    const [suite] = childrenNamed(root, 'testsuite');
    assert.deepEqual(
      [suite.attributes.name, suite.attributes.tests, suite.attributes.failures, suite.attributes.time],
      ['http-journey', '5', '3', '61.5'],
    );
    const properties = Object.fromEntries(
      childrenNamed(childrenNamed(suite, 'properties')[0], 'property').map((p) => [p.attributes.name, p.attributes.value]),
    );
    assert.deepEqual(properties, { testid: 'ci42', base_url: 'https://a.example/?x=1&y=<2>' });

    const cases = childrenNamed(suite, 'testcase');
    assert.deepEqual(
      cases.map((c) => c.attributes.name),
      [
        'checks: rate>0.99',
        'http_req_duration: p(95)<500',
        'http_req_duration: p(99)<1500',
        'http_req_duration{name:post message}: p(95)<300',
        'rate_limited: count<1',
      ],
    );
    const failed = cases.filter((c) => childrenNamed(c, 'failure').length > 0).map((c) => c.attributes.name);
    assert.deepEqual(failed, ['http_req_duration: p(95)<500', 'http_req_duration: p(99)<1500', 'rate_limited: count<1']);
    const failure = (name: string) => childrenNamed(cases.find((c) => c.attributes.name === name) ?? assert.fail(name), 'failure')[0];
    assert.match(failure('http_req_duration: p(95)<500').attributes.message, /p\(95\)=612\.25ms/);
    assert.match(failure('http_req_duration: p(99)<1500').text, /p\(99\)=1\.8s/);
    assert.match(failure('rate_limited: count<1').attributes.message, /count=3\b/);
    assert.equal(
      cases.find((c) => c.attributes.name === 'http_req_duration{name:post message}: p(95)<300')?.attributes.classname,
      'http-journey.http_req_duration{name:post message}',
    );
  });

  it('writes an empty suite, still well-formed, for a run without thresholds', () => {
    const data = sampleSummary();
    for (const metric of Object.values(data.metrics)) delete metric.thresholds;
    const suite = childrenNamed(parseXml(summary.junitXml(data, { suite: 'x' })), 'testsuite')[0];
    assert.deepEqual([suite.attributes.tests, suite.attributes.failures, childrenNamed(suite, 'testcase').length], ['0', '0', 0]);
  });

  it('prints a readable text summary: thresholds with their values, checks by group, every metric', () => {
    const text = summary.textSummary(sampleSummary(), { suite: 'http-journey' });
    assert.match(text, /^http-journey: 61\.5s, 2\/5 thresholds passed\n/);
    assert.match(text, /\n {2}FAIL http_req_duration: p\(95\)<500 {2}\(p\(95\)=612\.25ms\)\n/);
    assert.match(text, /\n {2}ok {3}checks: rate>0\.99 {2}\(rate=99\.5%\)\n/);
    assert.match(text, /\n {2}ok {3}target is ready: 1\/1 passed\n {2}auth\n {4}FAIL signed up \(201\): 99\/100 passed\n/);
    assert.match(
      text,
      /\n {2}http_req_duration +avg=120\.5ms min=3\.2ms med=98\.1ms max=2\.4s p\(90\)=300\.4ms p\(95\)=612\.25ms p\(99\)=1\.8s\n/,
    );
    assert.match(text, /\n {2}data_received +2\.5 MB {2}41 kB\/s\n/);
    assert.match(text, /\n {2}vus +0 {2}min=0 max=10\n/);
  });

  it('names the files after the script, in the current directory unless told otherwise', () => {
    assert.deepEqual(Object.keys(summary.summaryOutputs(sampleSummary(), { script: 'soak' })).sort(), [
      'soak-junit.xml',
      'soak-summary.json',
      'stdout',
    ]);
    assert.deepEqual(Object.keys(summary.summaryOutputs(sampleSummary(), { script: 'soak', dir: '/tmp/out//' })).sort(), [
      '/tmp/out/soak-junit.xml',
      '/tmp/out/soak-summary.json',
      'stdout',
    ]);
  });
});
