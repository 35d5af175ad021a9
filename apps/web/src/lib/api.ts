import type {
  DirectoryRoom,
  ErrorBody,
  HistoryPage,
  MembershipView,
  MemberView,
  MyRoomView,
  Page,
  PublicUser,
  RoomDetails,
  RoomView,
  Session,
} from '@chat/contracts';

export interface NewRoom {
  name?: string;
  isPrivate?: boolean;
  invitedUserIds?: number[];
}

/** A refused or failed request, with the contract's machine-readable code and a message fit to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * REST on the page's own origin. `onUnauthorized` runs when a signed-in request gets 401: the
 * token was revoked (logout elsewhere, a site ban) or has expired.
 */
export function createApi(token: string | null, onUnauthorized: () => void = () => undefined) {
  async function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check your connection and try again.');
    }
    const text = await response.text();
    const data = parse(text);
    if (!response.ok) {
      if (response.status === 401 && token) onUnauthorized();
      throw toApiError(response, data);
    }
    return data as T;
  }

  return {
    login: (email: string, password: string) => call<Session>('POST', '/auth/login', { email, password }),
    register: (email: string, password: string, nickname: string) => call<Session>('POST', '/auth/register', { email, password, nickname }),
    guest: (nickname?: string) => call<Session>('POST', '/auth/guest', nickname ? { nickname } : {}),
    logout: () => call<void>('POST', '/auth/logout'),
    me: () => call<PublicUser>('GET', '/auth/me'),
    myRooms: () => call<MyRoomView[]>('GET', '/rooms/mine'),
    directory: (q: string, cursor: number | null) => call<Page<DirectoryRoom>>('GET', `/rooms${query({ q, cursor, limit: 20 })}`),
    createRoom: (room: NewRoom) => call<RoomView>('POST', '/rooms', room),
    room: (roomId: number) => call<RoomDetails>('GET', `/rooms/${roomId}`),
    joinRoom: (roomId: number) => call<MembershipView>('POST', `/rooms/${roomId}/join`),
    members: (roomId: number) => call<MemberView[]>('GET', `/rooms/${roomId}/members`),
    history: (roomId: number, before: number | null) =>
      call<HistoryPage>('GET', `/rooms/${roomId}/messages${query({ before, limit: 50 })}`),
  };
}

export type Api = ReturnType<typeof createApi>;

function query(params: Record<string, string | number | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(response: Response, data: unknown): ApiError {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<ErrorBody>;
  const code = body.code ?? `HTTP_${response.status}`;
  // A proxy error page (502 while replicas restart) has no JSON body.
  const message =
    body.message ?? (response.status >= 500 ? 'The server is unavailable right now. Try again shortly.' : response.statusText);
  return new ApiError(response.status, code, message || `Request failed (${response.status})`);
}

/** Any thrown value as a sentence for the user. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
