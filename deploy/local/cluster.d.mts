// Types for the TypeScript tests that drive the launcher's cluster.
export interface ClusterOptions {
  root: string;
  runDir: string;
  mode?: 'nginx' | 'sticky';
  gateways?: number;
  gatewayBasePort?: number;
  httpPort?: number;
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
  replicas: { name: string; port: number }[];
  supervisor: SupervisorHandle;
  workerHealthUrl: string;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startCluster(options: ClusterOptions): Promise<ClusterHandle>;
