import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ClientEventName, MemberView, MessageAccepted, PayloadOf, RoomBanView, RoomDetails, Session } from '@chat/contracts';
import {
  type Actor,
  ACTORS,
  ALLOWED,
  AUTHORIZATION_TABLE,
  type Expect,
  NO_SOCKET,
  type Operation,
  OPERATIONS,
  type SocketActor,
} from './support/authorization-table';
import { api, type ChatClient, connect, createRoom, guest, login, registerUser, request } from './support/clients';
import { type ClusterFixture, useCluster } from './support/fixture';
import { eventually } from './support/wait';

/**
 * The authorization matrix (support/authorization-table.ts) against the real cluster: one test
 * per operation × actor. Cells that change anything get a fixture of their own, so no cell
 * depends on another having run, or not, before it.
 */

type Cast = Record<SocketActor, Session>;

interface Env {
  url: string;
  db: Pool;
  cast: Cast;
}

interface FixtureOptions {
  isPrivate?: boolean;
  /** The target's room role: a plain member, or a second room admin (admins may not act on each other). */
  targetRole?: 'member' | 'admin';
  /**
   * Who wrote the fixture's chat message: the target (default), the owner, or the acting user, who
   * then is in their role again (an actor outside the room wrote it as a member, before leaving or
   * being banned).
   */
  messageBy?: 'target' | 'owner' | 'actor';
  /** Logout revokes the caller's own token: the acting user is replaced by a brand-new one in the same role. */
  freshActor?: boolean;
}

/** A room with every actor of `cast` in their role: owner, room admin, member, guest (room role guest) and a banned user. */
interface Fixture {
  cast: Cast;
  roomId: number;
  /** A member to act on (role per FixtureOptions.targetRole). */
  target: Session;
  /** A registered user in no room: the invitee, or the user of the site-level operations. */
  outsider: Session;
  /** A stored chat message, the room's latest. */
  messageId: string;
}

interface Cell {
  url: string;
  session: Session | undefined;
  socket: ChatClient | undefined;
  fx: Fixture;
}

/** What a cell saw. Socket acks carry a code but no HTTP status. */
type Outcome = { allowed: true; status?: number } | { allowed: false; status?: number; code: string; message: string };

interface OperationSpec {
  /** Read-only operations share one fixture; anything that writes gets its own. */
  fixture: { shared: 'public' | 'private' } | { fresh: FixtureOptions };
  run(cell: Cell): Promise<Outcome>;
}

const SHARED = { shared: 'public' } as const;
const fresh = (options: FixtureOptions = {}) => ({ fresh: options });

const room = (c: Cell, suffix = '') => `/rooms/${c.fx.roomId}${suffix}`;
const member = (c: Cell, userId: number) => room(c, `/members/${userId}`);
const idOf = (session: Session) => session.user.id;
const reaction = (c: Cell) => `/messages/${c.fx.messageId}/reactions/${encodeURIComponent('👍')}`;
const EDIT = { content: 'edited by matrix' };

/** One runner per operation of the table: adding a row without a runner does not compile. */
const OPERATION_SPECS: Record<Operation, OperationSpec> = {
  'GET /auth/me': { fixture: SHARED, run: (c) => rest(c, 'GET', '/auth/me') },
  'POST /auth/logout': { fixture: fresh({ freshActor: true }), run: (c) => rest(c, 'POST', '/auth/logout') },
  'GET /users': { fixture: SHARED, run: (c) => rest(c, 'GET', '/users') },
  'GET /users/:id (another user)': { fixture: SHARED, run: (c) => rest(c, 'GET', `/users/${idOf(c.fx.target)}`) },
  'PATCH /users/:id (another user)': {
    fixture: fresh(),
    run: (c) => rest(c, 'PATCH', `/users/${idOf(c.fx.outsider)}`, { nickname: 'renamed by matrix' }),
  },
  'PATCH /users/:id/ban (another user)': {
    fixture: fresh(),
    run: (c) => rest(c, 'PATCH', `/users/${idOf(c.fx.outsider)}/ban`, { banned: true, reason: 'matrix' }),
  },
  // The new room is nobody else's fixture, so the shared one stays untouched.
  'POST /rooms': { fixture: SHARED, run: (c) => rest(c, 'POST', '/rooms', { name: 'created by matrix' }) },
  'POST /rooms (with invitedUserIds)': {
    fixture: fresh(),
    run: (c) => rest(c, 'POST', '/rooms', { name: 'created by matrix', invitedUserIds: [idOf(c.fx.outsider)] }),
  },
  'GET /rooms': { fixture: SHARED, run: (c) => rest(c, 'GET', '/rooms') },
  'GET /rooms/mine': { fixture: SHARED, run: (c) => rest(c, 'GET', '/rooms/mine') },
  'GET /rooms/:id (public room)': { fixture: SHARED, run: (c) => rest(c, 'GET', room(c)) },
  'GET /rooms/:id (private room)': { fixture: { shared: 'private' }, run: (c) => rest(c, 'GET', room(c)) },
  'PATCH /rooms/:id': { fixture: fresh(), run: (c) => rest(c, 'PATCH', room(c), { name: 'renamed by matrix' }) },
  'DELETE /rooms/:id': { fixture: fresh(), run: (c) => rest(c, 'DELETE', room(c)) },
  'POST /rooms/:id/join (public room)': { fixture: fresh(), run: (c) => rest(c, 'POST', room(c, '/join')) },
  'POST /rooms/:id/join (private room)': { fixture: fresh({ isPrivate: true }), run: (c) => rest(c, 'POST', room(c, '/join')) },
  'POST /rooms/:id/leave': { fixture: fresh(), run: (c) => rest(c, 'POST', room(c, '/leave')) },
  'POST /rooms/:id/invites': { fixture: fresh(), run: (c) => rest(c, 'POST', room(c, '/invites'), { userIds: [idOf(c.fx.outsider)] }) },
  'POST /rooms/:id/invites (a user banned from the room)': {
    fixture: fresh(),
    run: (c) => {
      const banned = idOf(c.fx.cast.roomBanned);
      return rest(c, 'POST', room(c, '/invites'), { userIds: [banned] }, (result) =>
        assert.deepEqual(result, { added: [], alreadyMembers: [], banned: [banned] }, 'the banned user is reported, not added'),
      );
    },
  },
  'GET /rooms/:id/members': { fixture: SHARED, run: (c) => rest(c, 'GET', room(c, '/members')) },
  'PATCH /rooms/:id/members/:userId (role of a member)': {
    fixture: fresh(),
    run: (c) => rest(c, 'PATCH', member(c, idOf(c.fx.target)), { role: 'admin' }),
  },
  'PATCH /rooms/:id/members/:userId (mute a member)': {
    fixture: fresh(),
    run: (c) => rest(c, 'PATCH', member(c, idOf(c.fx.target)), { muted: true }),
  },
  'DELETE /rooms/:id/members/:userId (kick a member)': { fixture: fresh(), run: (c) => rest(c, 'DELETE', member(c, idOf(c.fx.target))) },
  'DELETE /rooms/:id/members/:userId (kick another room admin)': {
    fixture: fresh({ targetRole: 'admin' }),
    run: (c) => rest(c, 'DELETE', member(c, idOf(c.fx.target))),
  },
  'DELETE /rooms/:id/members/:userId (kick the owner)': {
    fixture: fresh(),
    run: (c) => rest(c, 'DELETE', member(c, idOf(c.fx.cast.owner))),
  },
  'POST /rooms/:id/bans (a member)': { fixture: fresh(), run: (c) => rest(c, 'POST', room(c, '/bans'), { userId: idOf(c.fx.target) }) },
  'POST /rooms/:id/bans (another room admin)': {
    fixture: fresh({ targetRole: 'admin' }),
    run: (c) => rest(c, 'POST', room(c, '/bans'), { userId: idOf(c.fx.target) }),
  },
  'POST /rooms/:id/bans (the owner)': {
    fixture: fresh(),
    run: (c) => rest(c, 'POST', room(c, '/bans'), { userId: idOf(c.fx.cast.owner) }),
  },
  'DELETE /rooms/:id/bans/:userId': { fixture: fresh(), run: (c) => rest(c, 'DELETE', room(c, `/bans/${idOf(c.fx.cast.roomBanned)}`)) },
  'GET /rooms/:id/bans': { fixture: SHARED, run: (c) => rest(c, 'GET', room(c, '/bans')) },
  'GET /rooms/:id/messages': { fixture: SHARED, run: (c) => rest(c, 'GET', room(c, '/messages')) },
  'POST /rooms/:id/messages': { fixture: fresh(), run: (c) => rest(c, 'POST', room(c, '/messages'), { content: 'matrix says hi' }) },
  "DELETE /messages/:id (a member's message)": {
    fixture: fresh(),
    run: (c) => rest(c, 'DELETE', `/messages/${c.fx.messageId}`),
  },
  "DELETE /messages/:id (the owner's message)": {
    fixture: fresh({ messageBy: 'owner' }),
    run: (c) => rest(c, 'DELETE', `/messages/${c.fx.messageId}`),
  },
  'POST /rooms/:id/read': { fixture: fresh(), run: (c) => rest(c, 'POST', room(c, '/read'), { seq: 0 }) },
  'POST /rooms/:id/attachments': { fixture: SHARED, run: (c) => uploadTo(c, room(c, '/attachments')) },
  'GET /search/messages': { fixture: SHARED, run: (c) => rest(c, 'GET', '/search/messages?q=matrix') },
  'GET /search/messages (room=)': { fixture: SHARED, run: (c) => rest(c, 'GET', `/search/messages?q=matrix&room=${c.fx.roomId}`) },
  "PATCH /messages/:id (a member's message)": { fixture: fresh(), run: (c) => rest(c, 'PATCH', `/messages/${c.fx.messageId}`, EDIT) },
  'PATCH /messages/:id (their own message)': {
    fixture: fresh({ messageBy: 'actor' }),
    run: (c) => rest(c, 'PATCH', `/messages/${c.fx.messageId}`, EDIT),
  },
  'PUT /messages/:id/reactions/:emoji': { fixture: fresh(), run: (c) => rest(c, 'PUT', reaction(c)) },
  'DELETE /messages/:id/reactions/:emoji': { fixture: fresh(), run: (c) => rest(c, 'DELETE', reaction(c)) },
  'GET /rooms/:id/receipts': { fixture: SHARED, run: (c) => rest(c, 'GET', room(c, '/receipts')) },
  'GET /users/contacts': { fixture: SHARED, run: (c) => rest(c, 'GET', '/users/contacts') },
  'POST /rooms/direct (a member of the room)': {
    fixture: fresh(),
    run: (c) => rest(c, 'POST', '/rooms/direct', { userId: idOf(c.fx.target) }),
  },

  'socket message': { fixture: fresh(), run: (c) => emit(c, 'message', { room: c.fx.roomId, msg: 'matrix says hi' }) },
  // join_room only subscribes this socket: nothing another cell reads.
  'socket join_room': { fixture: SHARED, run: (c) => emit(c, 'join_room', { room: c.fx.roomId }) },
  'socket typing': {
    fixture: SHARED,
    run: async (c) => {
      // Refused for those who may not join: typing then meets a socket outside the room.
      await emit(c, 'join_room', { room: c.fx.roomId });
      return emit(c, 'typing', { room: c.fx.roomId, typing: true });
    },
  },
  'socket read': { fixture: fresh(), run: (c) => emit(c, 'read', { room: c.fx.roomId, seq: 0 }) },
  'socket sync': { fixture: SHARED, run: (c) => emit(c, 'sync', { room: c.fx.roomId, afterSeq: 0 }) },
  'socket delete_message': { fixture: fresh(), run: (c) => emit(c, 'delete_message', { id: c.fx.messageId }) },
  'socket kick_user': { fixture: fresh(), run: (c) => emit(c, 'kick_user', { room: c.fx.roomId, userId: idOf(c.fx.target) }) },
  'socket ban_user': { fixture: fresh(), run: (c) => emit(c, 'ban_user', { room: c.fx.roomId, userId: idOf(c.fx.target) }) },
  'socket mute_user': {
    fixture: fresh(),
    run: (c) => emit(c, 'mute_user', { room: c.fx.roomId, userId: idOf(c.fx.target), muted: true }),
  },
  'socket delete_room': { fixture: fresh(), run: (c) => emit(c, 'delete_room', { room: c.fx.roomId }) },
  "socket edit_message (a member's message)": {
    fixture: fresh(),
    run: (c) => emit(c, 'edit_message', { id: c.fx.messageId, msg: EDIT.content }),
  },
  'socket edit_message (their own message)': {
    fixture: fresh({ messageBy: 'actor' }),
    run: (c) => emit(c, 'edit_message', { id: c.fx.messageId, msg: EDIT.content }),
  },
  'socket react': { fixture: fresh(), run: (c) => emit(c, 'react', { id: c.fx.messageId, emoji: '👍', on: true }) },
};

describe('authorization matrix', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let env: Env;
  let shared: Record<'public' | 'private', Fixture>;
  const sockets = new Map<SocketActor, ChatClient>();

  before(async () => {
    env = { url: t.url, db: t.db, cast: await createCast(t.url) };
    const [publicRoom, privateRoom] = await Promise.all([
      buildFixture(env, {}),
      buildFixture(env, { isPrivate: true }),
      connectAll(t, env, sockets),
    ]);
    shared = { public: publicRoom, private: privateRoom };
  });

  it('anonymous: a socket without a token is refused with connect_error "unauthorized"', async () => {
    await assert.rejects(connect(t.url, undefined), (error: Error) => error.message === 'unauthorized');
  });

  // Every cell assumes this; a fixture that got a role wrong would make the whole matrix lie.
  it('the fixture puts each actor in its role', async () => {
    for (const fx of Object.values(shared)) {
      const { cast } = fx;
      const members = await must<MemberView[]>(env.url, cast.owner, 'GET', `/rooms/${fx.roomId}/members`);
      const roles = Object.fromEntries(members.map((m) => [m.userId, m.role]));
      assert.deepEqual(roles, {
        [idOf(cast.owner)]: 'owner',
        [idOf(cast.roomAdmin)]: 'admin',
        [idOf(cast.member)]: 'member',
        [idOf(cast.guest)]: 'guest',
        [idOf(fx.target)]: 'member',
      });
      const bans = await must<RoomBanView[]>(env.url, cast.owner, 'GET', `/rooms/${fx.roomId}/bans`);
      assert.deepEqual(
        bans.map((b) => b.userId),
        [idOf(cast.roomBanned)],
      );
    }
    assert.equal(env.cast.siteAdmin.user.role, 'admin');
    assert.equal(env.cast.guest.user.role, 'guest');
  });

  for (const operation of OPERATIONS) {
    // The actors of one operation have fixtures of their own, so they run side by side.
    describe(operation, { concurrency: true }, () => {
      for (const actor of ACTORS) {
        const expected = AUTHORIZATION_TABLE[operation][actor];
        if (expected === NO_SOCKET) continue;
        it(`${actor}: ${show(expected)}`, async () => {
          const got = await runCell(env, sockets, shared, operation, actor);
          if (!matches(expected, got)) assert.fail(`${operation} × ${actor}: expected ${show(expected)}, got ${show(got)}`);
        });
      }
    });
  }
});

async function runCell(
  env: Env,
  sockets: Map<SocketActor, ChatClient>,
  shared: Record<'public' | 'private', Fixture>,
  operation: Operation,
  actor: Actor,
): Promise<Outcome> {
  const spec = OPERATION_SPECS[operation];
  const fx = 'shared' in spec.fixture ? shared[spec.fixture.shared] : await buildFixture(env, spec.fixture.fresh, actor);
  const session = actor === 'anonymous' ? undefined : fx.cast[actor];
  const socket = actor === 'anonymous' ? undefined : sockets.get(actor);
  return spec.run({ url: env.url, session, socket, fx });
}

function matches(expected: Expect, got: Outcome): boolean {
  if (expected === ALLOWED) return got.allowed;
  return !got.allowed && got.code === expected.code && (got.status === undefined || got.status === expected.status);
}

function show(outcome: Expect | Outcome): string {
  if (outcome === ALLOWED) return 'allowed';
  if ('allowed' in outcome) {
    if (outcome.allowed) return `allowed${outcome.status ? ` (${outcome.status})` : ''}`;
    return `${outcome.status ? `${outcome.status} ` : ''}${outcome.code} "${outcome.message}"`;
  }
  return `${outcome.status} ${outcome.code}`;
}

/** `check`, when given, is run on the body of an allowed call (what was done, not only that it was allowed). */
async function rest(c: Cell, method: string, path: string, body?: unknown, check?: (result: unknown) => void): Promise<Outcome> {
  const response = await api<{ code?: string; message?: string } | undefined>(c.url, method, path, {
    token: c.session?.access_token,
    body,
  });
  if (response.status >= 200 && response.status < 300) {
    check?.(response.body);
    return { allowed: true, status: response.status };
  }
  return { allowed: false, status: response.status, code: String(response.body?.code), message: String(response.body?.message) };
}

/** A small file, as multipart/form-data. */
async function uploadTo(c: Cell, path: string): Promise<Outcome> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'matrix.bin');
  const response = await fetch(`${c.url}${path}`, {
    method: 'POST',
    headers: c.session ? { authorization: `Bearer ${c.session.access_token}` } : {},
    body: form,
    signal: AbortSignal.timeout(10_000),
  });
  if (response.ok) return { allowed: true, status: response.status };
  const body = (await response.json()) as { code?: string; message?: string };
  return { allowed: false, status: response.status, code: String(body.code), message: String(body.message) };
}

async function emit<E extends ClientEventName>(c: Cell, event: E, payload: PayloadOf<E>): Promise<Outcome> {
  const socket = c.socket ?? assert.fail(`no socket for ${event}`);
  const ack = await request(socket, event, payload);
  return ack.ok ? { allowed: true } : { allowed: false, code: ack.error.code, message: ack.error.message };
}

/**
 * The actors, created once. Only the site admin logs in (logins are rate-limited per IP and
 * account); everyone else registers, which is not.
 */
async function createCast(url: string): Promise<Cast> {
  const [owner, roomAdmin, member, nonMember, roomBanned, guestSession, siteAdmin] = await Promise.all([
    registerUser(url),
    registerUser(url),
    registerUser(url),
    registerUser(url),
    registerUser(url),
    guest(url),
    login(url, 'admin@test.com'),
  ]);
  return { owner, roomAdmin, member, guest: guestSession, nonMember, roomBanned, siteAdmin };
}

async function connectAll(t: ClusterFixture, env: Env, sockets: Map<SocketActor, ChatClient>): Promise<void> {
  await Promise.all(
    (Object.keys(env.cast) as SocketActor[]).map(async (actor) => {
      sockets.set(actor, (await t.connect(env.cast[actor].access_token)).socket);
    }),
  );
}

async function buildFixture(env: Env, options: FixtureOptions, actor?: Actor): Promise<Fixture> {
  const cast = options.freshActor && actor && actor !== 'anonymous' ? { ...env.cast, [actor]: await freshSession(env, actor) } : env.cast;
  const [target, outsider] = await Promise.all([registerUser(env.url), registerUser(env.url)]);
  const invited = [cast.roomAdmin, cast.member, cast.roomBanned, target, ...(options.isPrivate ? [cast.guest] : [])];
  const roomId = await createRoom(env.url, cast.owner, {
    name: 'matrix',
    isPrivate: options.isPrivate ?? false,
    invitedUserIds: invited.map(idOf),
  });
  const admins = options.targetRole === 'admin' ? [cast.roomAdmin, target] : [cast.roomAdmin];
  await Promise.all([
    ...admins.map((s) => must(env.url, cast.owner, 'PATCH', `/rooms/${roomId}/members/${idOf(s)}`, { role: 'admin' })),
    // A site guest who joins a public room gets the room role guest; a private room's guest was invited above.
    options.isPrivate ? undefined : must(env.url, cast.guest, 'POST', `/rooms/${roomId}/join`),
    must(env.url, cast.owner, 'POST', `/rooms/${roomId}/bans`, { userId: idOf(cast.roomBanned), reason: 'matrix' }),
  ]);
  const author = options.messageBy === 'owner' ? cast.owner : target;
  const messageId =
    options.messageBy === 'actor' && actor && actor !== 'anonymous'
      ? await ownMessage(env, cast, actor, roomId)
      : await storedMessage(env, author, roomId);
  return { cast, roomId, target, outsider, messageId };
}

/**
 * A stored message by `actor` in the fixture's (public) room, with the actor back in their role
 * afterwards: one outside the room joins to write it and leaves, the banned one is let back in and
 * banned again. Returns once the room's system messages of those steps are stored too.
 */
async function ownMessage(env: Env, cast: Cast, actor: SocketActor, roomId: number): Promise<string> {
  const session = cast[actor];
  const path = `/rooms/${roomId}`;
  if (actor === 'roomBanned') await must(env.url, cast.owner, 'DELETE', `${path}/bans/${idOf(session)}`);
  const outside = actor === 'nonMember' || actor === 'siteAdmin' || actor === 'roomBanned';
  if (outside) await must(env.url, session, 'POST', `${path}/join`);
  const messageId = await storedMessage(env, session, roomId);
  if (actor === 'roomBanned') await must(env.url, cast.owner, 'POST', `${path}/bans`, { userId: idOf(session), reason: 'matrix' });
  else if (outside) await must(env.url, session, 'POST', `${path}/leave`);
  if (outside) await storedUpTo(env, roomId, (await must<RoomDetails>(env.url, cast.owner, 'GET', path)).lastSeq);
  return messageId;
}

function freshSession(env: Env, actor: SocketActor): Promise<Session> {
  if (actor === 'guest') return guest(env.url);
  if (actor === 'siteAdmin') return freshSiteAdmin(env);
  return registerUser(env.url);
}

/**
 * No API makes a site admin, so a registered user is promoted in the database; logging in then
 * mints a token that carries the admin role. (admin@test.com is logged in once only, by the cast.)
 */
async function freshSiteAdmin(env: Env): Promise<Session> {
  const email = `matrix-admin-${randomUUID().slice(0, 8)}@example.test`;
  const password = 'correct horse battery';
  const { user } = await must<Session>(env.url, undefined, 'POST', '/auth/register', { email, password, nickname: 'matrix admin' });
  await env.db.query("UPDATE users SET role = 'admin' WHERE id = ?", [user.id]);
  return login(env.url, email, password);
}

/**
 * The fixture's last write: a chat message, returned once the worker has stored it and every
 * system message before it (seqs of a fresh room run 1..n without holes). Deleting a message reads
 * its stored row; and a cell must not race the worker's writes to its room: those can deadlock with
 * a rename or delete of the room, which the gateway then answers with a 500 (a server bug, not a
 * matter of authorization).
 */
async function storedMessage(env: Env, author: Session, roomId: number): Promise<string> {
  const { id, seq } = await must<MessageAccepted>(env.url, author, 'POST', `/rooms/${roomId}/messages`, { content: 'fixture message' });
  await storedUpTo(env, roomId, seq);
  return id;
}

function storedUpTo(env: Env, roomId: number, seq: number): Promise<true> {
  return eventually(`room ${roomId}'s messages to be stored`, async () => {
    const [rows] = await env.db.query<RowDataPacket[]>('SELECT COUNT(*) AS stored FROM messages WHERE room_id = ?', [roomId]);
    return Number(rows[0]?.stored) >= seq;
  });
}

/** A setup request that must succeed: a failing fixture is not a finding about the cell. */
async function must<T = unknown>(url: string, session: Session | undefined, method: string, path: string, body?: unknown): Promise<T> {
  const response = await api<T>(url, method, path, { token: session?.access_token, body });
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`fixture: ${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}
