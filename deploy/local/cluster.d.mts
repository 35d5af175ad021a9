// Types for the TypeScript tests that drive the launcher's cluster.
export interface ClusterOptions {
  root: string;
  runDir: string;
  mode?: 'nginx' | 'sticky';
  gateways?: number;
  gatewayBasePort?: number;
  httpPort?: number;
  /** Replica (or node:cluster worker) i serves /metrics on base + i - 1. */
  metricsBasePort?: number;
  workerHealthPort?: number;
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface SupervisorHandle {
  pid(name: string): number | undefined;
  signal(name: string, signal?: NodeJS.Signals): void;
  stopOne(name: string, signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
  resume(name: string): void;
  stopAll(): Promise<void>;
}

export interface ClusterHandle {
  url: string;
  mode: 'nginx' | 'sticky';
  /** nginx mode's replicas: public port, and the Prometheus endpoint on their own metrics port. */
  replicas: { name: string; port: number; metricsUrl: string }[];
  /** Every gateway process's Prometheus endpoint (in sticky mode, each node:cluster worker's). */
  metricsUrls: string[];
  supervisor: SupervisorHandle;
  workerHealthUrl: string;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startCluster(options: ClusterOptions): Promise<ClusterHandle>;

/** The nginx configuration startCluster writes in nginx mode. */
export function localNginxConf(o: {
  httpPort: number;
  runDir: string;
  webRoot?: string;
  replicas: { name: string; port: number }[];
}): string;

/** Where nginx connects to the local replicas from (their TRUST_PROXY); undefined: 127.0.0.1. */
export function nginxSourceAddress(): string | undefined;
