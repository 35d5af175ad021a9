export function renderNginxConf(o: {
  listen: number;
  listenAddress?: string;
  replicas: { id: string; address: string }[];
  runDir?: string;
  resolver?: string;
  accessLog?: boolean;
  webRoot?: string;
  proxyBind?: string;
  connLimitPerAddress?: number;
  connLimitExempt?: string[];
}): string;
export const composeReplicas: { id: string; address: string }[];
export const composeWebRoot: string;
export function renderComposeConf(): string;
