// `k6/websockets`: the scripts open sockets in VU code only, never at init.
export class WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  constructor() {
    throw new Error('k6/websockets is not available outside k6');
  }
}
