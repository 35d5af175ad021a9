// `k6/websockets` on Node's `ws`, whose WebSocket has the same browser-style surface (readyState,
// send, close, addEventListener, onmessage with text frames as strings), so that a script's
// sessions can run in Node against a real server. k6's `params` carry headers and tags; ws takes
// the headers.
import { WebSocket as NodeWebSocket } from 'ws';

const key = Symbol.for('k6-stubs.websockets');
const store = globalThis as { [key]?: WebSocket[] };

/** Every socket a script has opened, in order. */
export function openedSockets(): WebSocket[] {
  return (store[key] ??= []);
}

export class WebSocket extends NodeWebSocket {
  constructor(url: string, _protocols?: null, params?: { headers?: Record<string, string>; tags?: Record<string, string> } | null) {
    super(url, { headers: params?.headers });
    openedSockets().push(this);
  }
}
