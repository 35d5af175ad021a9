import type {
  ContactView,
  DirectoryRoom,
  ErrorBody,
  HistoryPage,
  InviteResult,
  MembershipView,
  MemberView,
  MyRoomView,
  Page,
  PublicUser,
  ReceiptView,
  RoomBanView,
  RoomDetails,
  RoomRole,
  RoomView,
  SearchPage,
  Session,
  StoredAttachment,
} from '@chat/contracts';
import { uploadFile, type UploadProgress } from './upload';

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
    /** From Retry-After, on a 429 or 503 that sent one. */
    readonly retryAfterSeconds: number | null = null,
    /** The error body's other fields (a 413 may say its limit). */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** One page of a room's history: newest first back from `before`, or oldest first on from `after` (both exclusive). */
export type HistoryQuery = { before?: number | null; after?: number | null; limit?: number };

export interface SearchQuery {
  q: string;
  /** Narrows the search to one room. */
  roomId?: number | null;
  cursor?: string | null;
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
      throw toApiError(response.status, response.statusText, data, response.headers.get('retry-after'));
    }
    return data as T;
  }

  /** XMLHttpRequest rather than fetch: only it reports upload progress. */
  async function upload(roomId: number, file: File, onProgress: UploadProgress, signal: AbortSignal): Promise<StoredAttachment> {
    const outcome = await uploadFile(`/rooms/${roomId}/attachments`, token, file, onProgress, signal);
    switch (outcome.kind) {
      case 'aborted':
        throw new ApiError(0, 'ABORTED', 'The upload was cancelled.');
      case 'unreachable':
        throw new ApiError(0, 'NETWORK', 'The upload did not reach the server. Check your connection and try again.');
      case 'answered': {
        const data = parse(outcome.text);
        if (outcome.status >= 200 && outcome.status < 300) return data as StoredAttachment;
        if (outcome.status === 401 && token) onUnauthorized();
        throw toApiError(outcome.status, outcome.statusText, data, outcome.retryAfter);
      }
    }
  }

  return {
    login: (email: string, password: string) => call<Session>('POST', '/auth/login', { email, password }),
    register: (email: string, password: string, nickname: string) => call<Session>('POST', '/auth/register', { email, password, nickname }),
    guest: (nickname?: string) => call<Session>('POST', '/auth/guest', nickname ? { nickname } : {}),
    logout: () => call<void>('POST', '/auth/logout'),
    me: () => call<PublicUser>('GET', '/auth/me'),
    /** Site admins: lets this browser open the dead-letter UI at /admin/queues (an HttpOnly cookie sent only there). */
    openAdminSession: () => call<void>('POST', '/admin/session'),
    myRooms: () => call<MyRoomView[]>('GET', '/rooms/mine'),
    directory: (q: string, cursor: number | null) => call<Page<DirectoryRoom>>('GET', `/rooms${query({ q, cursor, limit: 20 })}`),
    createRoom: (room: NewRoom) => call<RoomView>('POST', '/rooms', room),
    room: (roomId: number) => call<RoomDetails>('GET', `/rooms/${roomId}`),
    joinRoom: (roomId: number) => call<MembershipView>('POST', `/rooms/${roomId}/join`),
    members: (roomId: number) => call<MemberView[]>('GET', `/rooms/${roomId}/members`),
    history: (roomId: number, { before = null, after = null, limit = 50 }: HistoryQuery = {}) =>
      call<HistoryPage>('GET', `/rooms/${roomId}/messages${query({ before, after, limit })}`),
    upload,
    search: ({ q, roomId = null, cursor = null }: SearchQuery) =>
      call<SearchPage>('GET', `/search/messages${query({ q, room: roomId, cursor, limit: SEARCH_PAGE })}`),
    receipts: (roomId: number) => call<ReceiptView[]>('GET', `/rooms/${roomId}/receipts`),
    ...membershipRoutes(call),
  };
}

export type Api = ReturnType<typeof createApi>;

const SEARCH_PAGE = 20;

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

function toApiError(status: number, statusText: string, data: unknown, retryAfter: string | null): ApiError {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<ErrorBody> & Record<string, unknown>;
  const code = body.code ?? `HTTP_${status}`;
  // A proxy error page (502 while replicas restart) has no JSON body.
  const message = body.message ?? (status >= 500 ? 'The server is unavailable right now. Try again shortly.' : statusText);
  return new ApiError(status, code, message || `Request failed (${status})`, retryAfterSeconds(retryAfter), body);
}

/** Retry-After is either seconds or an HTTP date. */
function retryAfterSeconds(header: string | null): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Any thrown value as a sentence for the user. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

type Call = <T>(method: Method, path: string, body?: unknown) => Promise<T>;

/** What a member changes about a membership: a role (owner only), a mute (moderators; on oneself, a self-mute). */
export interface MemberChange {
  role?: RoomRole;
  muted?: boolean;
  /** With muted: true; omitted, until lifted. */
  mutedMinutes?: number;
}

/** Membership and room administration, and the people to start a conversation with. */
function membershipRoutes(call: Call) {
  const member = (roomId: number, userId: number) => `/rooms/${roomId}/members/${userId}`;
  return {
    renameRoom: (roomId: number, name: string) => call<RoomView>('PATCH', `/rooms/${roomId}`, { name }),
    leaveRoom: (roomId: number) => call<void>('POST', `/rooms/${roomId}/leave`),
    invite: (roomId: number, userIds: number[]) => call<InviteResult>('POST', `/rooms/${roomId}/invites`, { userIds }),
    updateMember: (roomId: number, userId: number, change: MemberChange) => call<MembershipView>('PATCH', member(roomId, userId), change),
    kick: (roomId: number, userId: number, reason: string) => call<void>('DELETE', `${member(roomId, userId)}${query({ reason })}`),
    ban: (roomId: number, userId: number, reason: string) =>
      call<void>('POST', `/rooms/${roomId}/bans`, reason ? { userId, reason } : { userId }),
    unban: (roomId: number, userId: number) => call<void>('DELETE', `/rooms/${roomId}/bans/${userId}`),
    bans: (roomId: number) => call<RoomBanView[]>('GET', `/rooms/${roomId}/bans`),
    contacts: (q: string, cursor: number | null = null) =>
      call<Page<ContactView>>('GET', `/users/contacts${query({ q, cursor, limit: 20 })}`),
    directRoom: (userId: number) => call<RoomView>('POST', '/rooms/direct', { userId }),
  };
}
