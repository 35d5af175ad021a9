export function renderNginxConf(o: {
  listen: number;
  replicas: { id: string; address: string }[];
  runDir?: string;
  resolver?: string;
  accessLog?: boolean;
  webRoot?: string;
}): string;
export const composeReplicas: { id: string; address: string }[];
export const composeWebRoot: string;
export function renderComposeConf(): string;
