import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import {
  type ChatMessage,
  type ErrorBody,
  type ErrorCode,
  type HistoryPage,
  MAX_MENTIONS_PER_MESSAGE,
  MAX_REACTION_EMOJI_PER_MESSAGE,
  type MyRoomView,
  REPLY_EXCERPT_LENGTH,
  type SearchPage,
  type Session,
} from '@chat/contracts';
import type { RedisClient } from '@chat/redis';
import { api, type ChatClient, createRoom, nextEvent, registerUser, request, send } from './support/clients';
import { useCluster } from './support/fixture';
import { recordEvents, socketOnReplica } from './support/sockets';
import { eventually } from './support/wait';

/**
 * Edits, reactions, replies and mentions (API.md, v2 "Messages grow up"), each acted on one
 * replica and observed on the other, read back from history, sync and MySQL; the per-user limit
 * on those events; and edits and reactions that outlive a worker outage.
 */
describe('messages v2 across replicas', { timeout: 240_000 }, () => {
  // The real per-user budget of non-message events (20/s, bursts of 40), so a flood meets it.
  const t = useCluster({ gateways: 2, env: { RATE_LIMIT_EVENTS_PER_SECOND: '20' } });
  let redis: RedisClient;

  before(() => {
    redis = t.track(t.redis());
  });

  const call = <T>(session: Session, method: string, path: string, body?: unknown) =>
    api<T>(t.url, method, path, { token: session.access_token, body });
  const reactionPath = (id: string, emoji: string) => `/messages/${id}/reactions/${encodeURIComponent(emoji)}`;
  const codeOf = (ack: { ok: boolean; error?: { code: ErrorCode } }) => (ack.ok ? 'ok' : ack.error?.code);

  /** The message as `session` reads it in the room's newest page. */
  async function readBack(session: Session, room: number, id: string): Promise<ChatMessage> {
    const page = await call<HistoryPage>(session, 'GET', `/rooms/${room}/messages?limit=100`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    return page.body.messages.find((m) => m.id === id) ?? assert.fail(`message ${id} is not in room ${room}'s history`);
  }

  /** Waits until MySQL holds every message of the room up to `seq` (a fresh room's seqs run 1..n). */
  const stored = (room: number, seq: number) =>
    eventually(
      `room ${room} stored up to seq ${seq}`,
      async () => {
        const [[row]] = await t.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM messages WHERE room_id = ? AND seq <= ?', [room, seq]);
        return Number(row?.n) >= seq;
      },
      30_000,
      100,
    );

  /** Waits until the worker has cleared the room from the read cache: history is then MySQL's alone. */
  const servedFromMysql = (room: number) =>
    eventually(`room ${room} out of the read cache`, async () => (await redis.zcard(t.keys.recentMessages(room))) === 0, 15_000);

  const storedContent = async (id: string) => {
    const [[row]] = await t.db.query<RowDataPacket[]>('SELECT content FROM messages WHERE id = ?', [id]);
    return row?.content as string | undefined;
  };

  /** A fresh room: the owner's socket in it on replica 0, each member's on replica 1. */
  async function roomWith(memberCount = 1) {
    const owner = await registerUser(t.url);
    const members = await Promise.all(Array.from({ length: memberCount }, () => registerUser(t.url)));
    const id = await createRoom(t.url, owner, { invitedUserIds: members.map((m) => m.user.id) });
    const ownerSocket = await socketOnReplica(t, owner, 0, id);
    const memberSockets = await Promise.all(members.map((m) => socketOnReplica(t, m, 1, id)));
    return { id, owner, members, ownerSocket, memberSockets, member: members[0], memberSocket: memberSockets[0] };
  }

  describe('edits', () => {
    it('edit_message: the ack is the edited message, message_updated reaches the other replica, history and sync read the new text', async () => {
      const r = await roomWith();
      const sent = await send(r.ownerSocket, r.id, 'first draft');
      await stored(r.id, sent.seq);

      const updated = nextEvent(r.memberSocket, 'message_updated', (e) => e.id === sent.id);
      const ack = await request(r.ownerSocket, 'edit_message', { id: sent.id, msg: 'final text' });
      assert.ok(ack.ok, JSON.stringify(ack));
      const edited = ack.data;
      assert.deepEqual(
        [edited.id, edited.seq, edited.roomId, edited.type, edited.content, edited.sender?.id],
        [sent.id, sent.seq, r.id, 'chat', 'final text', r.owner.user.id],
      );
      assert.ok(edited.editedAt !== null && Date.parse(edited.editedAt) >= Date.parse(sent.createdAt), `editedAt ${edited.editedAt}`);
      assert.deepEqual(await updated, { id: sent.id, roomId: r.id, seq: sent.seq, content: 'final text', editedAt: edited.editedAt });

      const inHistory = await readBack(r.member, r.id, sent.id);
      assert.deepEqual([inHistory.content, inHistory.editedAt], ['final text', edited.editedAt]);
      const sync = await request(r.memberSocket, 'sync', { room: r.id, afterSeq: sent.seq - 1 });
      assert.ok(sync.ok, JSON.stringify(sync));
      const synced = sync.data.messages.find((m) => m.id === sent.id);
      assert.deepEqual([synced?.content, synced?.editedAt], ['final text', edited.editedAt]);
    });

    it('PATCH /messages/:id: 200 the edited message, message_updated on both replicas, and MySQL keeps the latest text', async () => {
      const r = await roomWith();
      const sent = await send(r.memberSocket, r.id, 'tpyo');
      await stored(r.id, sent.seq);

      const told = [r.ownerSocket, r.memberSocket].map((s) => nextEvent(s, 'message_updated', (e) => e.id === sent.id));
      const patched = await call<ChatMessage>(r.member, 'PATCH', `/messages/${sent.id}`, { content: 'typo' });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual([patched.body.id, patched.body.content], [sent.id, 'typo']);
      assert.ok(patched.body.editedAt, 'editedAt is set');
      for (const event of await Promise.all(told)) {
        assert.deepEqual(event, { id: sent.id, roomId: r.id, seq: sent.seq, content: 'typo', editedAt: patched.body.editedAt });
      }

      const again = await call<ChatMessage>(r.member, 'PATCH', `/messages/${sent.id}`, { content: 'typo, fixed twice' });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.ok(Date.parse(again.body.editedAt!) >= Date.parse(patched.body.editedAt), 'a later edit moves editedAt on');
      await eventually('the latest edit in MySQL', async () => (await storedContent(sent.id)) === 'typo, fixed twice');
      await servedFromMysql(r.id);
      const read = await readBack(r.owner, r.id, sent.id);
      assert.deepEqual([read.content, read.editedAt], ['typo, fixed twice', again.body.editedAt]);
    });

    it("refusals: someone else's message and a system message are FORBIDDEN, a deleted or unknown one NOT_FOUND, bad content VALIDATION_FAILED", async () => {
      const r = await roomWith();
      const theirs = await send(r.memberSocket, r.id, 'mine, not yours');
      const doomed = await send(r.memberSocket, r.id, 'soon deleted');
      await stored(r.id, doomed.seq);
      assert.deepEqual(await request(r.memberSocket, 'delete_message', { id: doomed.id }), { ok: true, data: {} });
      const page = await call<HistoryPage>(r.owner, 'GET', `/rooms/${r.id}/messages`);
      const system = page.body.messages.find((m) => m.type === 'system') ?? assert.fail('the invitation left no system message');

      const refuse = async (socket: ChatClient, session: Session, id: string, content: string, status: number, code: ErrorCode) => {
        const ack = await request(socket, 'edit_message', { id, msg: content });
        assert.equal(codeOf(ack), code, `edit_message ${id}: ${JSON.stringify(ack)}`);
        const rest = await call<ErrorBody>(session, 'PATCH', `/messages/${id}`, { content });
        assert.deepEqual([rest.status, rest.body?.code], [status, code], `PATCH /messages/${id}: ${JSON.stringify(rest.body)}`);
      };
      // The room owner moderates the room but does not put words in a member's mouth.
      await refuse(r.ownerSocket, r.owner, theirs.id, 'rewritten by the owner', 403, 'FORBIDDEN');
      await refuse(r.ownerSocket, r.owner, system.id, 'rewritten history', 403, 'FORBIDDEN');
      await refuse(r.memberSocket, r.member, doomed.id, 'back from the dead', 404, 'NOT_FOUND');
      await refuse(r.memberSocket, r.member, '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'nowhere', 404, 'NOT_FOUND');
      await refuse(r.memberSocket, r.member, theirs.id, '', 400, 'VALIDATION_FAILED');
      await refuse(r.memberSocket, r.member, theirs.id, 'x'.repeat(4001), 400, 'VALIDATION_FAILED');

      const untouched = await readBack(r.owner, r.id, theirs.id);
      assert.deepEqual([untouched.content, untouched.editedAt], ['mine, not yours', null]);
      assert.equal((await readBack(r.owner, r.id, system.id)).content, system.content);
    });

    it('a muted author can neither edit nor react (MUTED) until unmuted; after leaving the room, NOT_MEMBER', async () => {
      const r = await roomWith();
      const own = await send(r.memberSocket, r.id, 'said before the mute');
      const muted = await request(r.ownerSocket, 'mute_user', { room: r.id, userId: r.member.user.id, muted: true, minutes: 5 });
      assert.deepEqual(muted, { ok: true, data: {} });

      assert.equal(codeOf(await request(r.memberSocket, 'edit_message', { id: own.id, msg: 'sneaky' })), 'MUTED');
      const patch = await call<ErrorBody>(r.member, 'PATCH', `/messages/${own.id}`, { content: 'sneaky' });
      assert.deepEqual([patch.status, patch.body.code], [403, 'MUTED']);
      assert.equal(codeOf(await request(r.memberSocket, 'react', { id: own.id, emoji: '👍', on: true })), 'MUTED');
      const put = await call<ErrorBody>(r.member, 'PUT', reactionPath(own.id, '👍'));
      assert.deepEqual([put.status, put.body?.code], [403, 'MUTED']);

      const unmute = await call(r.owner, 'PATCH', `/rooms/${r.id}/members/${r.member.user.id}`, { muted: false });
      assert.equal(unmute.status, 200, JSON.stringify(unmute.body));
      assert.ok((await request(r.memberSocket, 'edit_message', { id: own.id, msg: 'said after the mute' })).ok);

      assert.equal((await call(r.member, 'POST', `/rooms/${r.id}/leave`)).status, 204);
      assert.equal(codeOf(await request(r.memberSocket, 'edit_message', { id: own.id, msg: 'from outside' })), 'NOT_MEMBER');
      const outside = await call<ErrorBody>(r.member, 'PATCH', `/messages/${own.id}`, { content: 'from outside' });
      assert.deepEqual([outside.status, outside.body.code], [403, 'NOT_MEMBER']);
      assert.equal(codeOf(await request(r.memberSocket, 'react', { id: own.id, emoji: '👍', on: true })), 'NOT_MEMBER');
      assert.equal((await readBack(r.owner, r.id, own.id)).content, 'said after the mute');
    });

    it('search finds an edited message by its new text, and no longer by its old', async () => {
      const r = await roomWith();
      const word = () => Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
      const [before, after] = [word(), word()];
      const sent = await send(r.ownerSocket, r.id, `the ${before} swims`);
      await stored(r.id, sent.seq);
      const found = async (q: string) => {
        const page = await call<SearchPage>(r.member, 'GET', `/search/messages?q=${q}&room=${r.id}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        return page.body.messages.map((m) => [m.id, m.content]);
      };
      await eventually('the message found by its text', async () => (await found(before)).length === 1);
      assert.equal((await call(r.owner, 'PATCH', `/messages/${sent.id}`, { content: `the ${after} swims` })).status, 200);
      await eventually('the message found by its new text', async () => (await found(after)).length === 1);
      assert.deepEqual(await found(after), [[sent.id, `the ${after} swims`]]);
      assert.deepEqual(await found(before), [], 'still found by its old text');
    });

    it('an edit acked right after the send, before the worker stored the message, is what MySQL keeps', async () => {
      const r = await roomWith();
      const sent: { id: string; seq: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const ack = await send(r.ownerSocket, r.id, `draft ${i}`);
        const edit = await request(r.ownerSocket, 'edit_message', { id: ack.id, msg: `edited ${i}` });
        assert.ok(edit.ok, JSON.stringify(edit));
        sent.push(ack);
      }
      await stored(r.id, sent.at(-1)!.seq);
      await servedFromMysql(r.id);
      for (const [i, { id }] of sent.entries()) {
        assert.equal(await storedContent(id), `edited ${i}`, `message ${i} in MySQL`);
        const read = await readBack(r.member, r.id, id);
        assert.equal(read.content, `edited ${i}`);
        assert.ok(read.editedAt, `message ${i} reads as edited`);
      }
    });
  });

  describe('reactions', () => {
    it('edits and reactions at the same time, from both replicas, lose nothing: the last edit and every reaction stay', async () => {
      const r = await roomWith(10);
      const message = await send(r.ownerSocket, r.id, 'edit 0');
      await stored(r.id, message.seq);
      await Promise.all([
        (async () => {
          for (let i = 1; i <= 5; i++) {
            const ack = await request(r.ownerSocket, 'edit_message', { id: message.id, msg: `edit ${i}` });
            assert.ok(ack.ok, JSON.stringify(ack));
          }
        })(),
        ...r.memberSockets.map(async (socket) => {
          assert.deepEqual(await request(socket, 'react', { id: message.id, emoji: '🎉', on: true }), { ok: true, data: {} });
        }),
      ]);
      await servedFromMysql(r.id);
      assert.equal(await storedContent(message.id), 'edit 5');
      const read = await readBack(r.member, r.id, message.id);
      assert.deepEqual([read.content, read.reactions], ['edit 5', [{ emoji: '🎉', count: 10, me: true }]]);
    });

    it('a message from before my invitation is out of my reach: no reaction to it (NOT_FOUND), no reply to it (VALIDATION_FAILED)', async () => {
      const owner = await registerUser(t.url);
      const room = await createRoom(t.url, owner, { isPrivate: true });
      const unseen = await send(await socketOnReplica(t, owner, 0, room), room, 'before you came');
      const late = await registerUser(t.url);
      await call(owner, 'POST', `/rooms/${room}/invites`, { userIds: [late.user.id] });
      const lateSocket = await socketOnReplica(t, late, 1, room);

      assert.equal(codeOf(await request(lateSocket, 'react', { id: unseen.id, emoji: '👍', on: true })), 'NOT_FOUND');
      const put = await call<ErrorBody>(late, 'PUT', reactionPath(unseen.id, '👍'));
      assert.deepEqual([put.status, put.body?.code], [404, 'NOT_FOUND']);
      // A reply would show its excerpt: the very text the invitation floor hides.
      const reply = await request(lateSocket, 'message', { room, msg: 'what did I miss?', replyTo: unseen.id });
      assert.equal(codeOf(reply), 'VALIDATION_FAILED', JSON.stringify(reply));
      const rest = await call<ErrorBody>(late, 'POST', `/rooms/${room}/messages`, { content: 'what did I miss?', replyTo: unseen.id });
      assert.deepEqual([rest.status, rest.body.code], [400, 'VALIDATION_FAILED'], JSON.stringify(rest.body));
    });

    it('PUT and DELETE are idempotent; `reaction` events carry the count; REST shows `me` per caller, most used first', async () => {
      const r = await roomWith(2);
      const [alice, bob] = r.members;
      const message = await send(r.ownerSocket, r.id, 'react to me');
      await stored(r.id, message.seq);
      const seen = recordEvents(r.ownerSocket, 'reaction', (e) => e.messageId === message.id);
      const expectEvent = (userId: number, emoji: string, on: boolean, count: number) =>
        eventually(`reaction ${emoji} ${on} by ${userId} with count ${count} on replica 0`, () =>
          Promise.resolve(
            seen.some((e) => e.roomId === r.id && e.userId === userId && e.emoji === emoji && e.on === on && e.count === count),
          ),
        );

      for (let i = 0; i < 2; i++) assert.equal((await call(alice, 'PUT', reactionPath(message.id, '👍'))).status, 204);
      await expectEvent(alice.user.id, '👍', true, 1);
      assert.equal((await call(bob, 'PUT', reactionPath(message.id, '👍'))).status, 204);
      await expectEvent(bob.user.id, '👍', true, 2);
      assert.equal((await call(alice, 'PUT', reactionPath(message.id, '❤️'))).status, 204);
      await expectEvent(alice.user.id, '❤️', true, 1);

      const reactionsFor = async (session: Session) => (await readBack(session, r.id, message.id)).reactions;
      assert.deepEqual(await reactionsFor(alice), [
        { emoji: '👍', count: 2, me: true },
        { emoji: '❤️', count: 1, me: true },
      ]);
      assert.deepEqual(await reactionsFor(bob), [
        { emoji: '👍', count: 2, me: true },
        { emoji: '❤️', count: 1, me: false },
      ]);
      assert.deepEqual(await reactionsFor(r.owner), [
        { emoji: '👍', count: 2, me: false },
        { emoji: '❤️', count: 1, me: false },
      ]);

      for (let i = 0; i < 2; i++) assert.equal((await call(alice, 'DELETE', reactionPath(message.id, '👍'))).status, 204);
      await expectEvent(alice.user.id, '👍', false, 1);
      // On a socket of the other replica, and back to two.
      const live = nextEvent(r.memberSockets[1], 'reaction', (e) => e.messageId === message.id && e.userId === r.owner.user.id);
      assert.deepEqual(await request(r.ownerSocket, 'react', { id: message.id, emoji: '👍', on: true }), { ok: true, data: {} });
      assert.deepEqual(await live, { roomId: r.id, messageId: message.id, emoji: '👍', userId: r.owner.user.id, on: true, count: 2 });
      assert.deepEqual(await request(r.ownerSocket, 'react', { id: message.id, emoji: '👍', on: true }), { ok: true, data: {} });
      assert.deepEqual(await request(r.memberSockets[1], 'react', { id: message.id, emoji: '🎉', on: false }), { ok: true, data: {} });

      const sync = await request(r.memberSockets[1], 'sync', { room: r.id, afterSeq: message.seq - 1 });
      assert.ok(sync.ok, JSON.stringify(sync));
      assert.deepEqual(
        sync.data.messages.find((m) => m.id === message.id)?.reactions.map(({ emoji, count }) => ({ emoji, count })),
        [
          { emoji: '👍', count: 2 },
          { emoji: '❤️', count: 1 },
        ],
        'sync carries the counts',
      );

      await servedFromMysql(r.id);
      assert.deepEqual(await reactionsFor(r.owner), [
        { emoji: '👍', count: 2, me: true },
        { emoji: '❤️', count: 1, me: false },
      ]);
      assert.deepEqual(await reactionsFor(alice), [
        { emoji: '👍', count: 2, me: false },
        { emoji: '❤️', count: 1, me: true },
      ]);
    });

    it('an emoji is one grapheme (flags, skin tones, ZWJ sequences included); anything else, or a 21st distinct one, is VALIDATION_FAILED', async () => {
      const r = await roomWith(2);
      const [alice, bob] = r.members;
      const message = await send(r.ownerSocket, r.id, 'so many feelings');
      const single = ['🇰🇷', '👍🏽', '👨‍👩‍👧', '❤️'];
      for (const emoji of single) assert.equal((await call(alice, 'PUT', reactionPath(message.id, emoji))).status, 204, emoji);
      for (const emoji of ['a', '👍👍', 'ab', ' ', '👍 ', ':+1:']) {
        const refused = await call<ErrorBody>(alice, 'PUT', reactionPath(message.id, emoji));
        assert.deepEqual([refused.status, refused.body?.code], [400, 'VALIDATION_FAILED'], `PUT ${JSON.stringify(emoji)}`);
      }
      for (const emoji of ['', 'a', '👍👍']) {
        const ack = await request(r.memberSockets[1], 'react', { id: message.id, emoji, on: true });
        assert.equal(codeOf(ack), 'VALIDATION_FAILED', `react ${JSON.stringify(emoji)}: ${JSON.stringify(ack)}`);
      }
      assert.deepEqual(
        (await readBack(r.owner, r.id, message.id)).reactions.map((x) => x.emoji).sort(),
        [...single].sort(),
        'only the single emoji were stored',
      );

      const more = ['😂', '🎉', '🔥', '👀', '🙏', '😮', '😢', '😡', '🚀', '✅', '💯', '🤔', '👏', '🙌', '😎', '🥳'];
      for (const emoji of more) assert.equal((await call(alice, 'PUT', reactionPath(message.id, emoji))).status, 204, emoji);
      assert.equal(single.length + more.length, MAX_REACTION_EMOJI_PER_MESSAGE);
      const full = await call<ErrorBody>(bob, 'PUT', reactionPath(message.id, '🌟'));
      assert.deepEqual([full.status, full.body?.code], [400, 'VALIDATION_FAILED'], 'the 21st distinct emoji');
      assert.equal(codeOf(await request(r.memberSockets[1], 'react', { id: message.id, emoji: '🌟', on: true })), 'VALIDATION_FAILED');
      // The cap is on distinct emoji: one already there still takes more people, and a freed slot a new one.
      assert.equal((await call(bob, 'PUT', reactionPath(message.id, '🔥'))).status, 204);
      assert.equal((await call(alice, 'DELETE', reactionPath(message.id, '🥳'))).status, 204);
      assert.equal((await call(bob, 'PUT', reactionPath(message.id, '🌟'))).status, 204);
      const reactions = (await readBack(r.owner, r.id, message.id)).reactions;
      assert.equal(reactions.length, MAX_REACTION_EMOJI_PER_MESSAGE);
      assert.deepEqual(reactions[0], { emoji: '🔥', count: 2, me: false }, 'most used first');
      assert.ok(!reactions.some((x) => x.emoji === '🥳'));
    });

    it('the cap on distinct emoji holds when several new ones arrive at once from both replicas', async () => {
      const r = await roomWith(6);
      const message = await send(r.ownerSocket, r.id, 'nearly full');
      await stored(r.id, message.seq);
      const present = ['😂', '🎉', '🔥', '👀', '🙏', '😮', '😢', '😡', '🚀', '✅', '💯', '🤔', '👏', '🙌', '😎', '🥳', '🤝', '🍕'];
      for (const emoji of present) assert.equal((await call(r.owner, 'PUT', reactionPath(message.id, emoji))).status, 204, emoji);
      const newcomers = ['🌟', '🌈', '🍀', '🎈', '🐢', '🦄'];
      const sockets = [...r.memberSockets, r.ownerSocket];
      const acks = await Promise.all(
        newcomers.map((emoji, i) => request(sockets[i % sockets.length], 'react', { id: message.id, emoji, on: true })),
      );
      const codes = acks.map(codeOf);
      assert.deepEqual(
        codes.sort(),
        ['VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'ok', 'ok'],
        JSON.stringify(acks),
      );
      assert.equal((await readBack(r.owner, r.id, message.id)).reactions.length, MAX_REACTION_EMOJI_PER_MESSAGE);
    });

    it('20 users on both replicas react at once, some toggling: the count in history is the number who have it on, and a `reaction` event carried it', async () => {
      const owner = await registerUser(t.url);
      const users = await Promise.all(Array.from({ length: 20 }, () => registerUser(t.url)));
      const room = await createRoom(t.url, owner, { invitedUserIds: users.map((u) => u.user.id) });
      const observers = [await socketOnReplica(t, owner, 0, room), await socketOnReplica(t, owner, 1, room)];
      const sockets = await Promise.all(users.map((u, i) => socketOnReplica(t, u, i % 2, room)));
      const message = await send(observers[0], room, 'everyone react');
      await stored(room, message.seq);

      // Each user's own changes in order: on; on, off; on, off, on.
      const scripts = users.map((_, i) => [[true], [true, false], [true, false, true]][i % 3]);
      const changes = scripts.reduce((n, script) => n + script.length, 0);
      const finallyOn = scripts.filter((script) => script.at(-1)).length;
      const events = observers.map((socket) => recordEvents(socket, 'reaction', (e) => e.messageId === message.id));
      await Promise.all(
        sockets.map(async (socket, i) => {
          for (const on of scripts[i]) {
            const ack = await request(socket, 'react', { id: message.id, emoji: '👍', on });
            assert.deepEqual(ack, { ok: true, data: {} }, `user ${i}`);
          }
        }),
      );
      for (const [replica, seen] of events.entries()) {
        await eventually(`${changes} reaction events on replica ${replica}`, () => Promise.resolve(seen.length >= changes));
        await sleep(300); // anything beyond the changes made would be a duplicate
        assert.equal(seen.length, changes, `reaction events on replica ${replica}`);
        // Each count is exact when it is sent, but events sent through two replicas at the same
        // moment may arrive in either order (as messages do): the final count is among them, and
        // history, read below, is exact.
        assert.ok(
          seen.some((e) => e.count === finallyOn),
          `no reaction event on replica ${replica} carries the final count: ${JSON.stringify(seen.map((e) => e.count))}`,
        );
        assert.ok(seen.every((e) => e.count >= 0 && e.count <= users.length));
      }
      const counted = (await readBack(owner, room, message.id)).reactions;
      assert.deepEqual(counted, [{ emoji: '👍', count: finallyOn, me: false }]);
      await Promise.all(
        users.map(async (user, i) => {
          const [mine] = (await readBack(user, room, message.id)).reactions;
          assert.equal(mine?.me, scripts[i].at(-1), `user ${i}'s me`);
        }),
      );
    });
  });

  describe('replies', () => {
    it('a reply carries replyTo with the first 100 characters of the quoted message as it reads now, and null once it is deleted', async () => {
      const r = await roomWith();
      const long = '0123456789'.repeat(15);
      const plainSeen = nextEvent(r.memberSocket, 'message', (m) => m.content === long);
      const quoted = await send(r.ownerSocket, r.id, long);
      const plain = await plainSeen;
      assert.deepEqual([plain.editedAt, plain.replyTo, plain.mentions, plain.reactions], [null, null, [], []], 'a plain message');

      // Sent before the worker can have stored the quoted message.
      const replySeen = nextEvent(r.ownerSocket, 'message', (m) => m.content === 'an answer');
      const reply = await request(r.memberSocket, 'message', { room: r.id, msg: 'an answer', replyTo: quoted.id });
      assert.ok(reply.ok, JSON.stringify(reply));
      const expected = { id: quoted.id, seq: quoted.seq, senderId: r.owner.user.id, excerpt: long.slice(0, REPLY_EXCERPT_LENGTH) };
      assert.deepEqual((await replySeen).replyTo, expected, 'the live message');
      const rest = await call<{ id: string; seq: number }>(r.member, 'POST', `/rooms/${r.id}/messages`, {
        content: 'answered over REST',
        replyTo: quoted.id,
      });
      assert.equal(rest.status, 202, JSON.stringify(rest.body));
      for (const id of [reply.data.id, rest.body.id]) assert.deepEqual((await readBack(r.owner, r.id, id)).replyTo, expected, id);

      assert.ok((await request(r.ownerSocket, 'edit_message', { id: quoted.id, msg: 'short now' })).ok);
      assert.deepEqual((await readBack(r.member, r.id, reply.data.id)).replyTo, { ...expected, excerpt: 'short now' });
      assert.deepEqual(await request(r.ownerSocket, 'delete_message', { id: quoted.id }), { ok: true, data: {} });
      assert.deepEqual((await readBack(r.member, r.id, reply.data.id)).replyTo, { ...expected, excerpt: null });
      await stored(r.id, rest.body.seq);
      await servedFromMysql(r.id);
      for (const id of [reply.data.id, rest.body.id]) {
        assert.deepEqual((await readBack(r.member, r.id, id)).replyTo, { ...expected, excerpt: null }, `${id} from MySQL`);
      }
    });

    it("replyTo must be a message of the same room: another room's or an unknown id is VALIDATION_FAILED and takes no seq", async () => {
      const r = await roomWith();
      const elsewhere = await createRoom(t.url, r.owner);
      const foreign = await send(await socketOnReplica(t, r.owner, 1, elsewhere), elsewhere, 'in another room');
      const last = await send(r.ownerSocket, r.id, 'the last good one');
      for (const replyTo of [foreign.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
        const ack = await request(r.ownerSocket, 'message', { room: r.id, msg: 'a stray reply', replyTo });
        assert.equal(codeOf(ack), 'VALIDATION_FAILED', `replyTo ${replyTo}: ${JSON.stringify(ack)}`);
        const rest = await call<ErrorBody>(r.owner, 'POST', `/rooms/${r.id}/messages`, { content: 'a stray reply', replyTo });
        assert.deepEqual([rest.status, rest.body.code], [400, 'VALIDATION_FAILED'], `REST replyTo ${replyTo}`);
      }
      assert.equal((await send(r.ownerSocket, r.id, 'next')).seq, last.seq + 1);
    });
  });

  describe('mentions', () => {
    it('a mention reaches every socket of the member on both replicas, joined or not; non-members are dropped; more than 50 is refused', async () => {
      const r = await roomWith();
      const outsider = await registerUser(t.url);
      const memberLobby = await socketOnReplica(t, r.member, 0);
      const outsiderSocket = await socketOnReplica(t, outsider, 1);
      const toOutsider = recordEvents(outsiderSocket, 'mention');

      const mentions = [r.memberSocket, memberLobby].map((s) => nextEvent(s, 'mention'));
      const live = nextEvent(r.memberSocket, 'message', (m) => m.content === 'look at this');
      const ack = await request(r.ownerSocket, 'message', {
        room: r.id,
        msg: 'look at this',
        mentions: [r.member.user.id, outsider.user.id, 999_999],
      });
      assert.ok(ack.ok, JSON.stringify(ack));
      const from = { id: r.owner.user.id, nickname: r.owner.user.nickname, role: r.owner.user.role };
      for (const mention of await Promise.all(mentions)) {
        assert.deepEqual(mention, { roomId: r.id, messageId: ack.data.id, seq: ack.data.seq, from });
      }
      assert.deepEqual((await live).mentions, [r.member.user.id], 'the outsider and the unknown id are dropped');
      assert.deepEqual((await readBack(r.owner, r.id, ack.data.id)).mentions, [r.member.user.id]);
      await sleep(300);
      assert.deepEqual(toOutsider, [], 'a non-member was told of a mention');

      const ids = (n: number) => [r.member.user.id, ...Array.from({ length: n - 1 }, (_, i) => 500_000 + i)];
      const tooMany = await request(r.ownerSocket, 'message', {
        room: r.id,
        msg: 'everyone!',
        mentions: ids(MAX_MENTIONS_PER_MESSAGE + 1),
      });
      assert.equal(codeOf(tooMany), 'VALIDATION_FAILED', JSON.stringify(tooMany));
      const rest = await call<ErrorBody>(r.owner, 'POST', `/rooms/${r.id}/messages`, {
        content: 'everyone!',
        mentions: ids(MAX_MENTIONS_PER_MESSAGE + 1),
      });
      assert.deepEqual([rest.status, rest.body.code], [400, 'VALIDATION_FAILED']);
      const fifty = await request(r.ownerSocket, 'message', { room: r.id, msg: 'fifty', mentions: ids(MAX_MENTIONS_PER_MESSAGE) });
      assert.ok(fifty.ok, JSON.stringify(fifty));
      assert.deepEqual((await readBack(r.owner, r.id, fifty.data.id)).mentions, [r.member.user.id]);
    });

    it('GET /rooms/mine mentionCount counts mentions of me after my read marker and drops to 0 once I have read them', async () => {
      const r = await roomWith();
      const mentioning = { room: r.id, mentions: [r.member.user.id] };
      const first = await request(r.ownerSocket, 'message', { ...mentioning, msg: 'first mention' });
      await send(r.ownerSocket, r.id, 'no mention');
      const second = await request(r.ownerSocket, 'message', { ...mentioning, msg: 'second mention' });
      assert.ok(first.ok && second.ok, JSON.stringify([first, second]));
      await stored(r.id, second.data.seq);

      const mine = async (session: Session) => {
        const rooms = await call<MyRoomView[]>(session, 'GET', '/rooms/mine');
        return rooms.body.find((room) => room.id === r.id) ?? assert.fail(`room ${r.id} not in /rooms/mine`);
      };
      assert.deepEqual([(await mine(r.member)).mentionCount, (await mine(r.owner)).mentionCount], [2, 0]);
      assert.equal((await call(r.member, 'POST', `/rooms/${r.id}/read`, { seq: first.data.seq })).status, 200);
      assert.equal((await mine(r.member)).mentionCount, 1);
      assert.deepEqual(await request(r.memberSocket, 'read', { room: r.id, seq: second.data.seq }), { ok: true, data: {} });
      assert.equal((await mine(r.member)).mentionCount, 0);
    });
  });

  describe('limits', () => {
    it('a flood of react and edit_message from one user gets RATE_LIMITED acks, never a disconnect, and another user is unaffected', async () => {
      const r = await roomWith(1);
      const flooder = r.member;
      const calm = r.owner;
      const floodSockets = [r.memberSocket, await socketOnReplica(t, flooder, 0, r.id)];
      const otherExceptions = floodSockets.map((s) => recordEvents(s, 'exception', (e) => e.code !== 'RATE_LIMITED'));
      const target = await send(r.ownerSocket, r.id, 'a target');
      const floodersOwn = await send(r.memberSocket, r.id, 'the flooder’s own');
      const calmOwn = await send(r.ownerSocket, r.id, 'the calm one’s own');
      let closed = 0;
      for (const socket of floodSockets) socket.on('disconnect', () => closed++);

      for (const event of ['react', 'edit_message'] as const) {
        const fire = (i: number) => {
          const socket = floodSockets[i % 2];
          return event === 'react'
            ? request(socket, 'react', { id: target.id, emoji: '🔥', on: i % 2 === 0 })
            : request(socket, 'edit_message', { id: floodersOwn.id, msg: `flood ${i}` });
        };
        const calmly = async () => {
          const acks = [];
          for (let i = 0; i < 4; i++) {
            acks.push(await request(r.ownerSocket, 'react', { id: target.id, emoji: '👀', on: i % 2 === 0 }));
            acks.push(await request(r.ownerSocket, 'edit_message', { id: calmOwn.id, msg: `calm ${event} ${i}` }));
          }
          return acks;
        };
        const [flood, others] = await Promise.all([Promise.all(Array.from({ length: 120 }, (_, i) => fire(i))), calmly()]);
        const codes = flood.map(codeOf);
        assert.deepEqual(
          codes.filter((code) => code !== 'ok' && code !== 'RATE_LIMITED'),
          [],
          `${event}: every refusal is RATE_LIMITED`,
        );
        assert.ok(codes.includes('RATE_LIMITED'), `${event}: no flood ack was RATE_LIMITED`);
        assert.ok(codes.includes('ok'), `${event}: the flood's first events were accepted`);
        assert.deepEqual(
          others.map(codeOf),
          Array<string>(others.length).fill('ok'),
          `${event}: the other user's events (${calm.user.id})`,
        );
        assert.deepEqual([closed, ...floodSockets.map((s) => s.connected)], [0, true, true], `${event}: the flooder stays connected`);
        // The budget refills: the flooder is served again.
        await eventually(`${event} accepted again`, async () => (await fire(0)).ok, 5_000, 250);
      }
      assert.deepEqual(otherExceptions.flat(), [], 'exceptions other than RATE_LIMITED');
    });
  });

  describe('worker outage', () => {
    it('an edit and a reaction acked while the worker is down are in MySQL once it is back; none is acked and then lost', async (test) => {
      const r = await roomWith();
      const before = await send(r.ownerSocket, r.id, 'stored before the outage');
      await stored(r.id, before.seq);
      // Only a live worker clears what it wrote from the read cache.
      await servedFromMysql(r.id);

      await t.cluster.supervisor.stopOne('worker', 'SIGKILL');
      const outcome = await (async () => {
        try {
          const during = await send(r.ownerSocket, r.id, 'sent during the outage');
          const patched = await call<ChatMessage>(r.owner, 'PATCH', `/messages/${before.id}`, { content: 'before, edited during' });
          assert.equal(patched.status, 200, JSON.stringify(patched.body));
          assert.equal((await call(r.member, 'PUT', reactionPath(before.id, '👍'))).status, 204);
          // A message no worker has stored yet may be refused UNAVAILABLE rather than acked; an ack is a promise.
          const edit = await request(r.ownerSocket, 'edit_message', { id: during.id, msg: 'during, edited during' });
          const react = await request(r.memberSocket, 'react', { id: during.id, emoji: '👍', on: true });
          for (const ack of [edit, react]) assert.ok(['ok', 'UNAVAILABLE'].includes(codeOf(ack) ?? ''), JSON.stringify(ack));
          return { during, edited: edit.ok, reacted: react.ok };
        } finally {
          t.cluster.supervisor.resume('worker');
        }
      })();
      const { during } = outcome;
      test.diagnostic(
        `the not yet stored message: edit ${outcome.edited ? 'acked' : 'UNAVAILABLE'}, reaction ${outcome.reacted ? 'acked' : 'UNAVAILABLE'}`,
      );
      const expected = [
        { id: before.id, content: 'before, edited during', reacted: true },
        { id: during.id, content: outcome.edited ? 'during, edited during' : 'sent during the outage', reacted: outcome.reacted },
      ];

      await stored(r.id, during.seq);
      await eventually(
        'the edits in MySQL',
        async () => (await storedContent(before.id)) === expected[0].content && (await storedContent(during.id)) === expected[1].content,
        30_000,
        200,
      );
      await servedFromMysql(r.id);
      for (const { id, content, reacted } of expected) {
        const read = await readBack(r.member, r.id, id);
        assert.equal(read.content, content);
        assert.equal(read.editedAt !== null, content.includes('edited'), `${content}: editedAt ${read.editedAt}`);
        assert.deepEqual(read.reactions, reacted ? [{ emoji: '👍', count: 1, me: true }] : [], `${content}: reactions`);
      }
    });
  });
});
