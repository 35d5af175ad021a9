export function renderNginxConf(o: {
  listen: number;
  replicas: { id: string; address: string }[];
  runDir?: string;
  resolver?: string;
  accessLog?: boolean;
}): string;
export const composeReplicas: { id: string; address: string }[];
export function renderComposeConf(): string;
