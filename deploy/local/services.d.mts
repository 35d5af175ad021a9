export function tcpReachable(host: string, port: number, timeoutMs?: number): Promise<boolean>;
export function findBinary(name: string): string | null;
export function redisArgs(port: number, dir: string, daemonize: boolean): string[];
export function ensureMysql(
  url: string,
  o: { runDir: string; log: (line: string) => void },
): Promise<{ started: boolean; stop?: () => void }>;
export function ensureRedis(
  url: string,
  o: { runDir: string; log: (line: string) => void },
): Promise<{ started: boolean; stop?: () => void }>;
export function prepareDatabase(url: string, sqlFiles: string[]): Promise<void>;
export function dropDatabase(url: string): Promise<void>;
export function installDependencies(root: string, log: (line: string) => void): void;
export function ensureTestServices(root: string, log: (line: string) => void): Promise<void>;
