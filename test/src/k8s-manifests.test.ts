import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadAll } from 'js-yaml';
import { addedHeaders, type Directive, locationName, own, parseNginxConf } from './support/nginx-conf';
import { repoRoot } from './support/test-cluster';

/**
 * deploy/k8s, offline: every overlay rendered with `kubectl kustomize` as deploy/k8s/README.md tells
 * users to, each object validated against the Kubernetes schemas (kubernetes-models), and the rules
 * the manifests must keep checked against the code they deploy: health routes, ports and env names
 * read from the sources, the drain arithmetic from the shutdown code, selectors between objects.
 */

const k8sDir = join(repoRoot, 'deploy/k8s');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not in this one
    }
  }
  return undefined;
}

const kubectl = onPath('kubectl');
const skip = kustomizeMissing();

/**
 * Why the render checks cannot run here, or false. The manifests use kustomize v5 (components,
 * `labels`), built into kubectl 1.27 and later; Debian 12's `kubernetes-client` is 1.20.
 */
function kustomizeMissing(): string | false {
  const install = 'install kubectl 1.27 or later (https://kubernetes.io/docs/tasks/tools/)';
  if (!kubectl) return `kubectl not found: ${install}`;
  try {
    const { kustomizeVersion } = JSON.parse(execFileSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })) as {
      kustomizeVersion?: string;
    };
    const major = Number(/^v(\d+)/.exec(kustomizeVersion ?? '')?.[1] ?? 0);
    return major >= 5 ? false : `kubectl's kustomize is ${kustomizeVersion ?? 'missing'}, v5 is needed: ${install}`;
  } catch (error) {
    return `kubectl version failed (${(error as Error).message}): ${install}`;
  }
}

// ---- What the sources say ------------------------------------------------------------------------------

/** Every variable the apps read: the keys of `envSchema` in libs/config. */
const schemaSource = read('libs/config/src/env.schema.ts').split('export const envSchema = z.object({')[1] ?? '';
const envNames = new Set([...schemaSource.matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]));

/** A default of the env schema, as written there (`.default(10_000)`). */
function schemaDefault(name: string): string {
  // From the key to its `.default(…)`, which may be on a later line, but not past the next key.
  const found = new RegExp(`^ {2}${name}: (?:(?!\\n {2}[A-Z])[\\s\\S])*?\\.default\\(([\\d_]+)\\)`, 'm').exec(schemaSource);
  assert.ok(found, `${name} has a numeric default in env.schema.ts`);
  return found[1].replace(/_/g, '');
}

/** How long a process may take past SHUTDOWN_GRACE_MS before it exits by itself (exitCleanlyOnSignals). */
function exitMarginSeconds(): number {
  const found = /graceMs \+ ([\d_]+)\)/.exec(read('libs/config/src/process-guards.ts'));
  assert.ok(found, 'process-guards.ts: the exit deadline past graceMs');
  return Number(found[1].replace(/_/g, '')) / 1000;
}

/** The gateway's health routes, from its controller's decorators: `@Controller('health')` + `@Get('live')`. */
function gatewayHealthRoutes(): string[] {
  const source = read('apps/gateway/src/health/health.controller.ts');
  const prefix = /@Controller\('([^']+)'\)/.exec(source)?.[1];
  assert.ok(prefix, 'the health controller has a prefix');
  return [...source.matchAll(/@Get\('([^']*)'\)/g)].map((m) => `/${prefix}/${m[1]}`);
}

/** The worker's health routes, from its health server's `switch (url)`. */
function workerHealthRoutes(): string[] {
  return [...read('apps/worker/src/health/health.server.ts').matchAll(/case '(\/health\/[^']+)':/g)].map((m) => m[1]);
}

/**
 * The first path segment of every HTTP route of the gateway (its controllers' prefixes and methods), the
 * Swagger UI and document (bootstrap.ts), and Socket.IO's default path: what the public routes must send to it.
 */
function gatewayRoutePrefixes(): string[] {
  const dir = join(repoRoot, 'apps/gateway/src');
  const controllers = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.controller.ts'));
  const segments = new Set<string>(['socket.io']);
  for (const file of controllers) {
    const source = readFileSync(join(dir, file), 'utf8');
    const prefix = /@Controller\((?:'([^']*)')?\)/.exec(source)?.[1] ?? '';
    for (const m of source.matchAll(/@(?:Get|Post|Put|Patch|Delete)\((?:'([^']*)')?\)/g)) {
      const path = [prefix, m[1] ?? ''].filter(Boolean).join('/');
      if (path) segments.add(path.split('/')[0]);
    }
  }
  const swagger = /SwaggerModule\.setup\('([^']+)'[^)]*jsonDocumentUrl: '([^']+)'/.exec(read('apps/gateway/src/bootstrap.ts'));
  assert.ok(swagger, 'bootstrap.ts sets up Swagger UI');
  segments.add(swagger[1]).add(swagger[2]);
  return [...segments].sort();
}

/** The render command README.md gives for each overlay, by overlay name: its flags. */
function documentedFlags(): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  for (const m of readFileSync(join(k8sDir, 'README.md'), 'utf8').matchAll(
    /kubectl kustomize((?: --?[\w-]+(?:[ =][\w-]+)?)*) deploy\/k8s\/overlays\/(\w+)/g,
  )) {
    const flags = m[1].trim().split(/\s+/).filter(Boolean);
    const seen = commands.get(m[2]);
    if (seen) assert.deepEqual(flags, seen, `README.md renders overlays/${m[2]} with one set of flags`);
    commands.set(m[2], flags);
  }
  return commands;
}

// ---- Rendered objects ----------------------------------------------------------------------------------

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string } };
}

interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
}

interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  };
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);
const isWorkload = (o: K8sObject): o is Workload => WORKLOAD_KINDS.has(o.kind);
const ofKind = <T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as T[];
const label = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** A rendered object by kind and name (references to a generated ConfigMap or Secret carry its hashed name, as it does). */
function rendered(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

async function kustomize(dir: string, flags: string[]): Promise<K8sObject[]> {
  assert.ok(kubectl);
  const { stdout } = await promisify(execFile)(kubectl, ['kustomize', ...flags, dir], { maxBuffer: 32 * 1024 * 1024 });
  const objects = loadAll(stdout).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
  assert.ok(objects.length > 0, `${dir} renders objects`);
  return objects;
}

/** The names a container's environment gets, and their literal values where the manifests give them. */
function containerEnv(container: Container, objects: K8sObject[]): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const source of container.envFrom ?? []) {
    assert.equal(source.secretRef, undefined, `${container.name}: Secrets by key only, never a whole Secret into the environment`);
    const map = source.configMapRef && rendered(objects, 'ConfigMap', source.configMapRef.name);
    assert.ok(map, `${container.name}: ConfigMap ${source.configMapRef?.name} is rendered`);
    for (const [key, value] of Object.entries((map.data ?? {}) as Record<string, string>)) env.set(key, value);
  }
  for (const variable of container.env ?? []) env.set(variable.name, variable.value);
  return env;
}

/** Containers that run the apps: the ones that take their configuration (chat-config, chat-secrets). */
function takesAppConfig(container: Container): boolean {
  return (
    (container.envFrom ?? []).some((s) => s.configMapRef?.name.startsWith('chat-config')) ||
    (container.env ?? []).some((v) => v.valueFrom?.secretKeyRef?.name.startsWith('chat-secrets'))
  );
}

function resolvePort(container: Container, port: number | string): number {
  const found = (container.ports ?? []).find((p) => p.name === port || p.containerPort === port);
  assert.ok(found, `${container.name}: port ${port} is one of its container ports`);
  return found.containerPort;
}

function preStopSeconds(container: Container): number | undefined {
  const hook = container.lifecycle?.preStop;
  if (hook?.sleep) return hook.sleep.seconds;
  const exec = hook?.exec?.command.join(' ').match(/\bsleep\s+(\d+)\b/);
  return exec ? Number(exec[1]) : undefined;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/**
 * kustomize folds a long Secret value's base64 over lines, which the API server's decoder skips (Go's
 * base64 ignores newlines) but the schema's `byte` format does not: the value as the server reads it.
 */
function asTheApiServerReadsIt(object: K8sObject): K8sObject {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
  return { ...object, data };
}

/** Every object against its kubernetes-models class; Gateway API kinds, which it lacks, structurally. */
async function validateSchemas(objects: K8sObject[]): Promise<void> {
  for (const object of objects) {
    if (object.apiVersion.startsWith('gateway.networking.k8s.io/')) {
      checkHttpRoute(object, objects);
      continue;
    }
    const specifier = `kubernetes-models/${object.apiVersion}`;
    const models = (await import(specifier).catch(() => assert.fail(`no kubernetes-models for ${object.apiVersion}`))) as Record<
      string,
      (new (data: unknown) => { validate(): void }) | undefined
    >;
    const Model = models[object.kind];
    assert.ok(Model, `kubernetes-models knows ${object.apiVersion} ${object.kind}`);
    assert.doesNotThrow(
      () => new Model(asTheApiServerReadsIt(object)).validate(),
      `${label(object)} is a valid ${object.apiVersion} ${object.kind}`,
    );
  }
}

interface HttpRoute extends K8sObject {
  spec: {
    parentRefs?: { name: string }[];
    rules?: {
      matches?: { path?: { type: string; value: string } }[];
      backendRefs?: { name: string; port: number }[];
      sessionPersistence?: { type?: string; sessionName?: string; absoluteTimeout?: string; cookieConfig?: { lifetimeType?: string } };
      timeouts?: { request?: string; backendRequest?: string };
    }[];
  };
}

/** Until a schema package for Gateway API is in the test workspace: its fields as the v1 API defines them. */
function checkHttpRoute(object: K8sObject, objects: K8sObject[]): void {
  assert.equal(object.apiVersion, 'gateway.networking.k8s.io/v1', label(object));
  assert.equal(object.kind, 'HTTPRoute', `${label(object)}: the only Gateway API kind here`);
  const { spec } = object as HttpRoute;
  assert.ok(spec.parentRefs?.length, `${label(object)} names its Gateway`);
  assert.ok(spec.rules?.length && spec.rules.length <= 16, `${label(object)}: 1 to 16 rules`);
  const duration = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
  for (const rule of spec.rules) {
    for (const match of rule.matches ?? []) {
      assert.ok(['Exact', 'PathPrefix', 'RegularExpression'].includes(match.path?.type ?? ''), `${label(object)}: path match type`);
      assert.match(match.path?.value ?? '', /^\//, `${label(object)}: absolute path`);
    }
    for (const ref of rule.backendRefs ?? []) {
      const service = ofKind(objects, 'Service').find((s) => s.metadata.name === ref.name) as
        (K8sObject & { spec: { ports: { port: number }[] } }) | undefined;
      assert.ok(service, `${label(object)} routes to Service ${ref.name}, which is rendered`);
      assert.ok(
        service.spec.ports.some((p) => p.port === ref.port),
        `${label(object)}: Service ${ref.name} has port ${ref.port}`,
      );
    }
    const persistence = rule.sessionPersistence;
    if (persistence) {
      assert.ok(['Cookie', 'Header'].includes(persistence.type ?? 'Cookie'), `${label(object)}: sessionPersistence.type`);
      assert.ok((persistence.sessionName ?? '').length <= 128, `${label(object)}: sessionName at most 128 bytes`);
      if (persistence.absoluteTimeout) assert.match(persistence.absoluteTimeout, duration);
      assert.ok(['Permanent', 'Session', undefined].includes(persistence.cookieConfig?.lifetimeType), `${label(object)}: lifetimeType`);
      if (persistence.cookieConfig?.lifetimeType === 'Permanent') {
        assert.ok(persistence.absoluteTimeout, 'a Permanent cookie needs absoluteTimeout');
      }
    }
    for (const timeout of Object.values(rule.timeouts ?? {})) assert.match(timeout, duration, `${label(object)}: timeouts`);
  }
}

// ---- The renders ---------------------------------------------------------------------------------------

interface Variant {
  name: string;
  /** What it is rendered from: an overlay of the repository, or production with its optional components. */
  render: () => Promise<K8sObject[]>;
  production: boolean;
  components: boolean;
}

const overlays = readdirSync(join(k8sDir, 'overlays'));
const temporary: string[] = [];

const variants: Variant[] = [
  ...overlays.map((overlay) => ({
    name: `overlays/${overlay}`,
    render: () => {
      const documented = documentedFlags().get(overlay);
      assert.ok(documented, `README.md gives the command that renders overlays/${overlay}`);
      return kustomize(join(k8sDir, 'overlays', overlay), documented);
    },
    production: overlay === 'production',
    components: false,
  })),
  {
    // As README.md says to enable them: uncommented in a copy of the production overlay (a copy of
    // deploy/k8s without filled-in secrets files).
    name: 'overlays/production with every component',
    render: () => {
      const dir = mkdtempSync(join(tmpdir(), 'chat-k8s-'));
      temporary.push(dir);
      cpSync(k8sDir, dir, { recursive: true, filter: (source) => !source.endsWith('secrets.env') });
      const file = join(dir, 'overlays/production/kustomization.yaml');
      const text = readFileSync(file, 'utf8');
      const block = /^# components:\n((?:#\s+- \S+\n)+)/m.exec(text);
      assert.ok(block, 'overlays/production/kustomization.yaml lists its optional components, commented');
      const listed = [...block[1].matchAll(/- (\S+)/g)].map((m) =>
        relative(join(dir, 'components'), join(dir, 'overlays/production', m[1])),
      );
      assert.deepEqual(listed.sort(), readdirSync(join(k8sDir, 'components')).sort(), 'every component is listed');
      writeFileSync(file, text.replace(block[0], block[0].replace(/^# ?/gm, '')));
      const documented = documentedFlags().get('production');
      assert.ok(documented, 'README.md gives the command that renders overlays/production');
      return kustomize(join(dir, 'overlays/production'), documented);
    },
    production: true,
    components: true,
  },
];

describe('Kubernetes manifests: the validator', () => {
  it('rejects a Deployment whose container port is a string, and one without a selector', async () => {
    const { Deployment } = await import('kubernetes-models/apps/v1');
    const valid = {
      metadata: { name: 'probe' },
      spec: {
        selector: { matchLabels: { app: 'probe' } },
        template: {
          metadata: { labels: { app: 'probe' } },
          spec: { containers: [{ name: 'app', image: 'app:1', ports: [{ containerPort: 3000 }] }] },
        },
      },
    };
    assert.doesNotThrow(() => new Deployment(valid).validate(), 'the well-formed one passes');
    const portAsString = structuredClone(valid) as unknown as { spec: { template: { spec: { containers: { ports: unknown[] }[] } } } };
    portAsString.spec.template.spec.containers[0].ports = [{ containerPort: 'http-ish' }];
    assert.throws(() => new Deployment(portAsString as never).validate(), /containerPort must be integer/);
    const noSelector = structuredClone(valid) as { spec: Partial<typeof valid.spec> };
    delete noSelector.spec.selector;
    assert.throws(() => new Deployment(noSelector as never).validate(), /spec must have required property '?selector/);
  });
});

for (const variant of variants) {
  describe(`Kubernetes manifests: ${variant.name}`, { skip }, () => {
    let objects: K8sObject[] = [];
    before(async () => {
      objects = await variant.render();
    });
    after(() => {
      for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    const workloads = () => objects.filter(isWorkload);
    const deployments = () => ofKind<Workload>(objects, 'Deployment');
    /** Each container with the workload it belongs to. */
    const containers = () =>
      workloads().flatMap((w) =>
        [...w.spec.template.spec.containers, ...(w.spec.template.spec.initContainers ?? [])].map((c) => ({ w, c })),
      );
    const component = (w: K8sObject) => w.metadata.labels?.['app.kubernetes.io/component'];

    it('every object is valid against the Kubernetes schemas', async () => {
      await validateSchemas(objects);
      const names = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      assert.deepEqual(
        names.filter((n, i) => names.indexOf(n) !== i),
        [],
        'no object twice',
      );
    });

    it('probes ask the routes the apps serve, on ports the containers declare', () => {
      const web = parseNginxConf(read('deploy/k8s/base/web/nginx.conf'));
      const webExact = own(own(own(web, 'http')[0]?.block, 'server')[0]?.block, 'location')
        .map(locationName)
        .filter((name) => name.startsWith('= '))
        .map((name) => name.slice(2));
      const routes: Record<string, string[]> = { gateway: gatewayHealthRoutes(), worker: workerHealthRoutes(), web: webExact };
      assert.deepEqual(routes.gateway.sort(), routes.worker.sort(), 'both apps serve the same health routes');
      assert.ok(routes.gateway.some((r) => r.endsWith('/live')) && routes.gateway.some((r) => r.endsWith('/ready')));
      for (const { w, c } of containers()) {
        const probes = { startupProbe: c.startupProbe, livenessProbe: c.livenessProbe, readinessProbe: c.readinessProbe };
        if (w.kind !== 'Job') assert.ok(c.livenessProbe && c.readinessProbe, `${label(w)}: liveness and readiness probes`);
        for (const [kind, probe] of Object.entries(probes)) {
          if (!probe) continue;
          const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
          if (port !== undefined) resolvePort(c, port);
          if (!probe.httpGet) continue;
          const served = routes[component(w) ?? ''];
          assert.ok(served, `${label(w)}: an HTTP probe on a component whose routes are known`);
          assert.ok(served.includes(probe.httpGet.path), `${label(w)} ${kind}: ${probe.httpGet.path} is one of ${served.join(', ')}`);
          if (component(w) !== 'web') {
            const expected = kind === 'readinessProbe' ? '/ready' : '/live';
            assert.ok(probe.httpGet.path.endsWith(expected), `${label(w)} ${kind} asks ${expected}`);
          }
        }
      }
    });

    it('the apps listen on the ports their containers declare, and Prometheus scrapes the metrics one', () => {
      /** By component: each named container port and the variable that sets it, then the port /metrics is on. */
      const expected: Record<string, { ports: Record<string, string>; metrics: string }> = {
        gateway: { ports: { http: 'PORT', metrics: 'METRICS_PORT' }, metrics: 'metrics' },
        worker: { ports: { health: 'WORKER_HEALTH_PORT' }, metrics: 'health' },
      };
      for (const { w, c } of containers()) {
        const app = expected[component(w) ?? ''];
        if (!app || w.kind === 'Job') continue;
        const env = containerEnv(c, objects);
        assert.equal(env.get('HOST'), '0.0.0.0', `${label(w)}: listens on the pod's interfaces`);
        for (const [name, variable] of Object.entries(app.ports)) {
          const port = String(resolvePort(c, name));
          assert.equal(env.get(variable) ?? schemaDefault(variable), port, `${label(w)}: ${variable} is its "${name}" port`);
        }
        const annotations = (w.spec.template.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
        assert.equal(annotations['prometheus.io/scrape'], 'true', `${label(w)}: scraped`);
        assert.equal(annotations['prometheus.io/path'], '/metrics', `${label(w)}: at /metrics`);
        assert.equal(annotations['prometheus.io/port'], String(resolvePort(c, app.metrics)), `${label(w)}: on its metrics port`);
      }
    });

    it('Services, PodDisruptionBudgets and the HPA select what exists', () => {
      for (const w of workloads()) {
        if (w.kind === 'Job') continue;
        assert.ok(matches(w.spec.selector?.matchLabels, w.spec.template.metadata?.labels), `${label(w)} selects its own pods`);
      }
      const podLabels = workloads()
        .filter((w) => w.kind !== 'Job')
        .map((w) => ({ w, labels: w.spec.template.metadata?.labels }));
      for (const service of ofKind<K8sObject & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } }>(
        objects,
        'Service',
      )) {
        const selected = podLabels.filter((p) => matches(service.spec.selector, p.labels));
        assert.equal(selected.length, 1, `${label(service)} selects the pods of one workload`);
        for (const { targetPort } of service.spec.ports) resolvePort(selected[0].w.spec.template.spec.containers[0], targetPort);
      }
      for (const pdb of ofKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(
        objects,
        'PodDisruptionBudget',
      )) {
        assert.equal(
          podLabels.filter((p) => matches(pdb.spec.selector.matchLabels, p.labels)).length,
          1,
          `${label(pdb)} covers one workload`,
        );
      }
      for (const name of ['chat-gateway', 'chat-worker']) {
        const deployment = deployments().find((d) => d.metadata.name === name);
        assert.ok(deployment, `${name} is deployed`);
        assert.ok(
          ofKind<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>(objects, 'PodDisruptionBudget').some((pdb) =>
            matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata?.labels),
          ),
          `${name} has a PodDisruptionBudget`,
        );
      }
    });

    it('the HPA scales the gateway, on CPU (and connected sockets with its component), and owns its replica count', () => {
      const hpas = ofKind<
        K8sObject & {
          spec: {
            scaleTargetRef: { apiVersion: string; kind: string; name: string };
            minReplicas: number;
            maxReplicas: number;
            metrics: { type: string; resource?: { name: string }; pods?: { metric: { name: string } } }[];
          };
        }
      >(objects, 'HorizontalPodAutoscaler');
      assert.ok(
        hpas.some((h) => h.spec.scaleTargetRef.name === 'chat-gateway'),
        'the gateway has an HPA',
      );
      for (const hpa of hpas) {
        assert.equal(hpa.apiVersion, 'autoscaling/v2');
        const { scaleTargetRef: ref } = hpa.spec;
        const target = deployments().find((d) => d.metadata.name === ref.name);
        assert.ok(target && ref.kind === 'Deployment' && ref.apiVersion === 'apps/v1', `${label(hpa)} targets a rendered Deployment`);
        assert.equal(target.spec.replicas, undefined, `${label(target)}: no replicas, the HPA owns the count`);
        assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas, `${label(hpa)}: min ≤ max`);
        assert.ok(
          hpa.spec.metrics.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu'),
          `${label(hpa)} scales on CPU`,
        );
        const sockets = hpa.spec.metrics.some((m) => m.type === 'Pods' && m.pods?.metric.name === 'chat_sockets_connected');
        assert.equal(sockets, variant.components, `${label(hpa)}: the socket metric comes with components/hpa-sockets`);
        const cpu = target.spec.template.spec.containers[0].resources?.requests?.cpu;
        assert.ok(cpu, `${label(target)}: a CPU request, the base of the utilization target`);
      }
    });

    it('a pod that takes traffic sleeps in preStop, and the grace period outlasts preStop and the drain', () => {
      const services = ofKind<K8sObject & { spec: { selector: Record<string, string> } }>(objects, 'Service');
      const margin = exitMarginSeconds();
      for (const w of deployments()) {
        const routed = services.some((s) => matches(s.spec.selector, w.spec.template.metadata?.labels));
        const grace = w.spec.template.spec.terminationGracePeriodSeconds ?? 30;
        for (const c of w.spec.template.spec.containers) {
          const sleep = preStopSeconds(c);
          if (routed)
            assert.ok(sleep !== undefined && sleep > 0, `${label(w)}: a preStop sleep, so that it leaves the endpoints before SIGTERM`);
          if (!takesAppConfig(c)) continue;
          const drainMs = containerEnv(c, objects).get('SHUTDOWN_GRACE_MS') ?? schemaDefault('SHUTDOWN_GRACE_MS');
          const needed = (sleep ?? 0) + Number(drainMs) / 1000 + margin;
          assert.ok(
            grace > needed,
            `${label(w)}: terminationGracePeriodSeconds ${grace} > preStop ${sleep ?? 0} s + SHUTDOWN_GRACE_MS ${Number(drainMs) / 1000} s + ${margin} s`,
          );
        }
      }
    });

    it('the apps get only variables of libs/config/src/env.schema.ts, secrets only from a Secret', () => {
      const secretKeys = new Set<string>();
      for (const { w, c } of containers()) {
        if (!takesAppConfig(c)) continue;
        for (const [name] of containerEnv(c, objects)) assert.ok(envNames.has(name), `${label(w)} ${c.name}: ${name} is in env.schema.ts`);
        for (const variable of c.env ?? []) {
          const ref = variable.valueFrom?.secretKeyRef;
          if (ref) {
            assert.equal(ref.key, variable.name, `${label(w)}: ${variable.name} from the Secret key of its name`);
            assert.ok(ref.name.startsWith('chat-secrets'), `${label(w)}: the apps read the Secret chat-secrets (${ref.name})`);
            secretKeys.add(ref.key);
          }
        }
        const literal = containerEnv(c, objects);
        for (const name of [
          'JWT_SECRET',
          'DATABASE_URL',
          'DATABASE_READ_URLS',
          'REDIS_URL',
          'REDIS_PUBSUB_URL',
          'REDIS_QUEUE_URL',
          'REDIS_STATE_URL',
        ]) {
          if (literal.has(name)) {
            assert.ok(
              (c.env ?? []).some((v) => v.name === name && v.valueFrom?.secretKeyRef),
              `${label(w)}: ${name} comes from a Secret, not a literal or a ConfigMap`,
            );
          }
        }
      }
      // The production example lists every key the manifests read, and only keys of the schema.
      const example = readFileSync(join(k8sDir, 'overlays/production/secrets.env.example'), 'utf8');
      const listed = new Set([...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
      for (const key of secretKeys) assert.ok(listed.has(key), `secrets.env.example lists ${key}`);
      for (const key of listed) assert.ok(envNames.has(key), `secrets.env.example: ${key} is in env.schema.ts`);
    });

    it('every container has resource requests and a memory limit; the gateway has no CPU limit', () => {
      for (const { w, c } of containers()) {
        const { requests = {}, limits = {} } = c.resources ?? {};
        assert.ok(requests.cpu && requests.memory, `${label(w)} ${c.name}: CPU and memory requests`);
        assert.ok(limits.memory, `${label(w)} ${c.name}: a memory limit`);
        if (component(w) === 'gateway') assert.equal(limits.cpu, undefined, `${label(w)}: no CPU limit (throttling is latency)`);
      }
    });

    it('every container runs unprivileged; the apps and the web server on a read-only root file system', () => {
      for (const { w, c } of containers()) {
        const pod = w.spec.template.spec.securityContext ?? {};
        const own = c.securityContext ?? {};
        assert.ok((own.runAsNonRoot ?? pod.runAsNonRoot) === true, `${label(w)} ${c.name}: runAsNonRoot`);
        assert.ok(
          (own.runAsUser ?? pod.runAsUser ?? 0) > 0,
          `${label(w)} ${c.name}: a numeric non-root user (runAsNonRoot cannot check a name)`,
        );
        assert.equal(own.allowPrivilegeEscalation, false, `${label(w)} ${c.name}: no privilege escalation`);
        assert.deepEqual(own.capabilities?.drop, ['ALL'], `${label(w)} ${c.name}: every capability dropped`);
        assert.equal(pod.seccompProfile?.type, 'RuntimeDefault', `${label(w)}: RuntimeDefault seccomp`);
        if (component(w) !== 'demo') assert.equal(own.readOnlyRootFilesystem, true, `${label(w)} ${c.name}: read-only root file system`);
      }
    });

    it('the public routes send every gateway route to the gateway, and the rest to the web client', () => {
      const prefixes = gatewayRoutePrefixes();
      type Route = { type: 'Exact' | 'Prefix'; path: string; service: string };
      const routes: Route[] = [];
      for (const ingress of ofKind<
        K8sObject & {
          spec: {
            rules: {
              http: { paths: { path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }[] };
            }[];
          };
        }
      >(objects, 'Ingress')) {
        const a = ingress.metadata.annotations ?? {};
        const prefix = 'nginx.ingress.kubernetes.io/';
        assert.equal(a[`${prefix}affinity`], 'cookie', `${label(ingress)}: cookie affinity`);
        assert.ok(a[`${prefix}session-cookie-name`], `${label(ingress)}: names its cookie`);
        assert.equal(a[`${prefix}session-cookie-path`], '/', `${label(ingress)}: one cookie for the host`);
        const gateway = deployments().find((d) => d.metadata.name === 'chat-gateway');
        assert.ok(gateway, 'the gateway is deployed');
        const env = containerEnv(gateway.spec.template.spec.containers[0], objects);
        const heartbeat =
          (Number(env.get('SOCKET_PING_INTERVAL_MS') ?? schemaDefault('SOCKET_PING_INTERVAL_MS')) +
            Number(env.get('SOCKET_PING_TIMEOUT_MS') ?? schemaDefault('SOCKET_PING_TIMEOUT_MS'))) /
          1000;
        for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout']) {
          assert.ok(
            Number(a[`${prefix}${timeout}`]) > heartbeat,
            `${label(ingress)}: ${timeout} outlasts Engine.IO's heartbeat (${heartbeat} s)`,
          );
        }
        assert.ok(a[`${prefix}proxy-body-size`], `${label(ingress)}: a body size`);
        if (variant.production)
          assert.equal(a[`${prefix}session-cookie-secure`], 'true', `${label(ingress)}: a Secure cookie in production`);
        for (const rule of ingress.spec.rules) {
          if (variant.production) assert.ok((rule as { host?: string }).host, `${label(ingress)}: a host in production`);
          for (const p of rule.http.paths) {
            assert.ok(['Exact', 'Prefix'].includes(p.pathType), `${label(ingress)} ${p.path}: Exact or Prefix`);
            routes.push({ type: p.pathType as Route['type'], path: p.path, service: p.backend.service.name });
          }
        }
      }
      for (const route of ofKind<HttpRoute>(objects, 'HTTPRoute')) {
        for (const rule of route.spec.rules ?? []) {
          const service = rule.backendRefs?.[0]?.name ?? '';
          if (service === 'chat-gateway') {
            assert.equal(rule.sessionPersistence?.type ?? 'Cookie', 'Cookie', `${label(route)}: cookie session persistence`);
            assert.ok(rule.sessionPersistence?.sessionName, `${label(route)}: names its cookie`);
          }
          for (const m of rule.matches ?? []) {
            routes.push({ type: m.path?.type === 'Exact' ? 'Exact' : 'Prefix', path: m.path?.value ?? '/', service });
          }
        }
      }
      assert.equal(
        ofKind(objects, 'Ingress').length + ofKind(objects, 'HTTPRoute').length,
        1,
        'one public route object: the Ingress or the HTTPRoute',
      );
      const routeOf = (path: string) =>
        routes
          .filter((r) =>
            r.type === 'Exact' ? r.path === path : r.path === '/' || path === r.path || path.startsWith(`${r.path.replace(/\/$/, '')}/`),
          )
          .sort((a, b) => Number(b.type === 'Exact') - Number(a.type === 'Exact') || b.path.length - a.path.length)[0];
      for (const segment of prefixes) {
        assert.equal(routeOf(`/${segment}`)?.service, 'chat-gateway', `/${segment} goes to the gateway`);
      }
      for (const path of ['/', '/assets/index.js', '/metrics'])
        assert.equal(routeOf(path)?.service, 'chat-web', `${path} goes to the web client`);
    });

    it('the web server sends the headers of the compose edge’s web locations', async () => {
      const { renderComposeConf } = await import('../../nginx/render.mjs');
      const locationsOf = (conf: Directive[]) => own(own(own(conf, 'http')[0]?.block, 'server')[0]?.block, 'location');
      const compose = locationsOf(parseNginxConf(renderComposeConf()));
      const web = locationsOf(parseNginxConf(read('deploy/k8s/base/web/nginx.conf')));
      for (const name of ['= /', '/assets/']) {
        const theirs = compose.find((l) => locationName(l) === name);
        const ours = web.find((l) => locationName(l) === name);
        assert.ok(theirs && ours, `both serve ${name}`);
        assert.deepEqual(addedHeaders(ours), addedHeaders(theirs), `${name}: the same headers`);
      }
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('chat-web-nginx'));
      assert.equal(
        (configMap?.data as Record<string, string> | undefined)?.['nginx.conf'],
        read('deploy/k8s/base/web/nginx.conf'),
        'the pods get that file',
      );
    });

    if (variant.production) {
      it('production: no Secret, no demo data, production mode, pinned images', () => {
        const secrets = ofKind(objects, 'Secret');
        assert.deepEqual(
          secrets.filter((s) => s.data || s.stringData).map(label),
          [],
          'no Secret data rendered: chat-secrets is created beforehand (README.md, "Secrets")',
        );
        for (const { w, c } of containers()) {
          for (const variable of c.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef;
            if (ref) assert.equal(ref.name, 'chat-secrets', `${label(w)}: the external Secret, by its own name`);
          }
          assert.doesNotMatch(c.image, /:latest$/, `${label(w)}: no latest tag`);
          assert.match(c.image, /(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/, `${label(w)} ${c.image}: a pinned tag or digest`);
          assert.doesNotMatch(c.image, /:local$/, `${label(w)}: not a locally built image`);
          if ((c.envFrom ?? []).some((s) => s.configMapRef?.name.startsWith('chat-config'))) {
            assert.equal(containerEnv(c, objects).get('NODE_ENV'), 'production', `${label(w)}: NODE_ENV=production`);
          }
          const cors = containerEnv(c, objects).get('CORS_ORIGINS');
          assert.notEqual(cors?.trim(), '*', `${label(w)}: no wildcard CORS origin`);
        }
        assert.doesNotMatch(JSON.stringify(objects), /demo/i, 'nothing of the demo: no seed, no demo database, no demo secret');
        const ignored = readFileSync(join(k8sDir, '.gitignore'), 'utf8').split('\n');
        assert.ok(ignored.includes('secrets.env'), 'deploy/k8s/.gitignore keeps filled-in secrets files out of git');
      });
    } else {
      it('local: its generated secrets are marked as demo values', () => {
        const secrets = ofKind(objects, 'Secret');
        assert.ok(secrets.length > 0, 'the local overlay generates its throwaway secrets');
        for (const secret of secrets) {
          for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
            assert.match(
              Buffer.from(value.replace(/\s+/g, ''), 'base64').toString(),
              /demo/,
              `${label(secret)} ${key}: a value marked demo`,
            );
          }
        }
      });
    }
  });
}
