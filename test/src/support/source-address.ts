import { type IncomingHttpHeaders, request } from 'node:http';
import type { Session } from '@chat/contracts';

/**
 * The limits of a production deployment, set explicitly by the suites that check them (the test
 * cluster's defaults are generous, so that functional suites never meet them).
 */
export const PRODUCTION_LIMITS: Record<string, string> = {
  RATE_LIMIT_LOGIN_PER_MINUTE: '10',
  RATE_LIMIT_REGISTER_PER_MINUTE: '5',
  RATE_LIMIT_GUEST_PER_MINUTE: '10',
  RATE_LIMIT_ROOM_ACTIONS_PER_MINUTE: '10',
  RATE_LIMIT_EVENTS_PER_SECOND: '20',
  MAX_SOCKETS_PER_USER: '20',
};

let allocated = 0;

/**
 * A loopback address no other client of this process has used (127.100.0.1, 127.100.0.2, …).
 * Linux routes all of 127.0.0.0/8 to the loopback interface, so a client bound to one of them
 * reaches nginx as a client of its own: its own per-IP buckets, its own masked IP.
 */
export function freshAddress(): string {
  const n = allocated++;
  return `127.${100 + Math.floor(n / 62_500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

export interface HttpResponse<T> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: T;
  text: string;
}

export interface HttpOptions {
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, with a JSON content type (for bodies JSON.stringify cannot write). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** The local address the connection is bound to. */
  from?: string;
  timeoutMs?: number;
}

/**
 * One HTTP request on a connection of its own (no keep-alive), bound to `from` when given. fetch
 * cannot choose its source address; node:http can.
 */
export function http<T = unknown>(base: string, method: string, path: string, options: HttpOptions = {}): Promise<HttpResponse<T>> {
  const url = new URL(path, base);
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        localAddress: options.from,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: body as T, text });
        });
        response.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => reject(new Error(`${method} ${path} from ${options.from ?? 'default address'}: ${error.message}`)));
    req.end(payload);
  });
}

/** A client of `base` whose every request comes from one loopback address. */
export class AddressClient {
  constructor(
    readonly base: string,
    readonly address: string = freshAddress(),
  ) {}

  api<T = unknown>(method: string, path: string, options: Omit<HttpOptions, 'from'> = {}): Promise<HttpResponse<T>> {
    return http<T>(this.base, method, path, { ...options, from: this.address });
  }

  async login(email: string, password = '1234'): Promise<Session> {
    const { status, body } = await this.api<Session>('POST', '/auth/login', { body: { email, password } });
    if (status !== 200) throw new Error(`login ${email} from ${this.address}: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async register(fields: { nickname?: string; password?: string; email?: string } = {}): Promise<Session & { password: string }> {
    const password = fields.password ?? 'correct horse battery';
    const nickname = fields.nickname ?? `sec${Math.random().toString(36).slice(2, 10)}`;
    const email = fields.email ?? `${nickname}-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const { status, body } = await this.api<Session>('POST', '/auth/register', { body: { email, password, nickname } });
    if (status !== 201) throw new Error(`register from ${this.address}: ${status} ${JSON.stringify(body)}`);
    return { ...body, password };
  }

  async guest(nickname?: string): Promise<Session> {
    const { status, body } = await this.api<Session>('POST', '/auth/guest', { body: nickname ? { nickname } : {} });
    if (status !== 201) throw new Error(`guest from ${this.address}: ${status} ${JSON.stringify(body)}`);
    return body;
  }
}

/** Registers a user from an address of its own, so that no per-IP signup limit is met. */
export function registerFromFreshAddress(base: string, fields?: { nickname?: string; password?: string }) {
  return new AddressClient(base).register(fields);
}

/** Logs in from an address of its own, so that no per-IP login limit is met. */
export function loginFromFreshAddress(base: string, email: string, password = '1234'): Promise<Session> {
  return new AddressClient(base).login(email, password);
}
