import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { load } from 'js-yaml';
import { runPromtool } from './support/promtool';
import { repoRoot } from './support/test-cluster';

/**
 * deploy/observability, offline: the alert rules are valid and fire when they should (promtool's
 * own unit tests), the compose scrape config is valid, every dashboard query is valid PromQL, and
 * every metric the rules and the dashboard read is one the code exports, so renaming a metric
 * cannot leave a dashboard panel or an alert silently empty.
 */
const dir = join(repoRoot, 'deploy/observability');
const rulesFile = join(dir, 'prometheus/alerts.yml');
const dashboardFile = join(dir, 'grafana/dashboards/chat-cluster.json');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string }[];
}

const rules = (load(readFileSync(rulesFile, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
};
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Every metric family the apps and libs define with prom-client (`name: 'chat_…'`). */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        for (const m of readFileSync(child, 'utf8').matchAll(/\bname: '(chat_[a-z0-9_]+)'/g)) names.add(m[1]);
      }
    }
  };
  for (const root of ['apps', 'libs']) walk(join(repoRoot, root));
  return names;
}

/** The `chat_…` series an expression reads, histogram suffixes taken off. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(chat_[a-z0-9_]+)/g)].map((m) => m[1].replace(/_(bucket|sum|count)$/, ''));
}

describe('observability: alert rules', () => {
  it('promtool check rules accepts them', async () => {
    const { status, output } = await runPromtool(['check', 'rules', rulesFile]);
    assert.equal(status, 0, output);
    assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  it('fire when they should and stay quiet when they should not (promtool test rules)', async () => {
    const { status, output } = await runPromtool(['test', 'rules', join(dir, 'prometheus/alerts.test.yml')]);
    assert.equal(status, 0, output);
    const tested = new Set(
      [...readFileSync(join(dir, 'prometheus/alerts.test.yml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]),
    );
    for (const rule of rules) assert.ok(tested.has(rule.alert ?? ''), `${rule.alert} has a unit test`);
  });

  it('cover what an on-call engineer must hear about, each with a severity, a summary and a description', () => {
    assert.deepEqual(rules.map((r) => r.alert).sort(), [
      'ChatDeadLetters',
      'ChatGatewayNotReady',
      'ChatMessageAckLatencyHigh',
      'ChatPersistenceLagHigh',
      'ChatQueueBacklogGrowing',
      'ChatRedisConnectionDown',
      'ChatRedisPubSubErrors',
      'ChatServerErrors',
      'ChatTargetDown',
    ]);
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, rule.alert);
      assert.ok(rule.annotations?.summary && rule.annotations.description, rule.alert);
    }
  });

  it('read only metrics the code exports', () => {
    const exported = exportedMetrics();
    for (const rule of rules) {
      for (const name of metricsIn(rule.expr)) assert.ok(exported.has(name), `${rule.alert} reads ${name}, which nothing exports`);
    }
  });
});

describe('observability: the Grafana dashboard', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'chat-dashboard-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('is a dashboard of unique, non-overlapping panels, on a data source the user picks', () => {
    assert.equal(dashboard.uid, 'chat-cluster');
    assert.deepEqual(
      dashboard.templating.list.map((v) => v.name),
      ['datasource'],
    );
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const taken = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `${panel.title} fits the 24-column grid`);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          assert.ok(!taken.has(`${row}:${col}`), `${panel.title} overlaps another panel`);
          taken.add(`${row}:${col}`);
        }
      }
      if (panel.type !== 'row') assert.ok((panel.targets ?? []).length > 0, `${panel.title} has a query`);
    }
  });

  it('queries only valid PromQL (each checked by promtool as a recording rule)', async () => {
    const file = join(scratch, 'queries.yml');
    const asRules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr.replaceAll('$__rate_interval', '5m') }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
    const { status, output } = await runPromtool(['check', 'rules', file]);
    assert.equal(status, 0, output);
  });

  it('reads only metrics the code exports, and shows every signal the alerts watch', () => {
    const exported = exportedMetrics();
    for (const { panel, expr } of queries) {
      for (const name of metricsIn(expr)) assert.ok(exported.has(name), `panel "${panel}" reads ${name}, which nothing exports`);
    }
    const shown = new Set(queries.flatMap((q) => metricsIn(q.expr)));
    for (const rule of rules)
      for (const name of metricsIn(rule.expr)) assert.ok(shown.has(name), `${rule.alert}'s ${name} is on the dashboard`);
  });
});

describe('observability: where Prometheus and Grafana get them', () => {
  it('the compose scrape config is valid, loads the alerts and scrapes every gateway and the worker', async () => {
    const file = join(dir, 'prometheus/prometheus.yml');
    const { status, output } = await runPromtool(['check', 'config', file]);
    assert.equal(status, 0, output);
    const config = load(readFileSync(file, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    assert.deepEqual(config.rule_files, ['alerts.yml']);
    const targets = config.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets)).sort();
    assert.deepEqual(targets, ['gateway-1:9464', 'gateway-2:9464', 'gateway-3:9464', 'worker:3100']);
    const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
    for (const replica of ['gateway-1', 'gateway-2', 'gateway-3', 'worker']) assert.match(compose, new RegExp(`^  ${replica}:$`, 'm'));
  });

  it('Kubernetes gets both as ConfigMaps (kubectl kustomize deploy/observability), the same bytes as the files', (t) => {
    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.error) return t.skip('kubectl is not installed');
    const rendered = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    const maps = rendered
      .split(/^---$/m)
      .map(
        (doc) => load(doc) as { kind: string; metadata: { name: string; labels?: Record<string, string> }; data: Record<string, string> },
      );
    const byName = new Map(maps.map((m) => [m.metadata.name, m]));
    assert.deepEqual([...byName.keys()].sort(), ['chat-grafana-dashboard', 'chat-prometheus-rules']);
    assert.equal(byName.get('chat-prometheus-rules')?.data['alerts.yml'], readFileSync(rulesFile, 'utf8'));
    assert.equal(byName.get('chat-grafana-dashboard')?.data['chat-cluster.json'], readFileSync(dashboardFile, 'utf8'));
    assert.equal(byName.get('chat-grafana-dashboard')?.metadata.labels?.grafana_dashboard, '1', "the Grafana chart's sidecar label");
  });
});
