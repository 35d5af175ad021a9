import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2/promise';
import type { ChatMessage, HistoryPage, Session } from '@chat/contracts';
import { api, type ChatClient, createRoom, registerUser, request } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

const SENDERS_PER_ROOM = 8;
const ROOMS = 2;
const BURST = 50;
/**
 * Longer than a socket trusts its last revocation check (SocketAuthGuard): the first send of a
 * burst after a quiet spell, as a reconnecting client flushing its offline queue makes, waits
 * for that check while the sends behind it do not.
 */
const QUIET_MS = 2_200;

/** `<sender>:<n>`: who sent it and where it stood in the sender's burst. */
const tagOf = (sender: number, n: number) => `order-${sender}:${n}`;
const parse = (content: string) => {
  const [sender, n] = content.replace('order-', '').split(':').map(Number);
  return { sender, n };
};

/** Every sender's messages, in the order given, must carry its burst positions in increasing order. */
function assertPerSenderOrder(what: string, messages: { content: string }[]): void {
  const last = new Map<number, number>();
  for (const { content } of messages) {
    const { sender, n } = parse(content);
    const before = last.get(sender) ?? -1;
    assert.ok(n > before, `${what}: sender ${sender}'s message #${n} came after #${before}`);
    last.set(sender, n);
  }
}

/**
 * A socket's messages are numbered, broadcast and stored in the order the socket sent them, even
 * when it sends a burst without waiting for acks (an offline queue being flushed) and whatever
 * makes one send wait longer than the next inside the gateway.
 */
describe('a sender keeps its order', { timeout: 240_000 }, () => {
  const t = useCluster({
    gateways: 2,
    env: { RATE_LIMIT_SEND_PER_SECOND: '100000', RATE_LIMIT_SEND_BURST: '100000' },
  });

  it(`${ROOMS} rooms × ${SENDERS_PER_ROOM} sockets each fire bursts of ${BURST} sends without awaiting acks`, async () => {
    const rooms: { id: number; senders: { session: Session; socket: ChatClient }[]; watcher: ChatClient; live: ChatMessage[] }[] = [];
    for (let r = 0; r < ROOMS; r++) {
      const owner = await registerUser(t.url);
      const members = await Promise.all(Array.from({ length: SENDERS_PER_ROOM }, () => registerUser(t.url)));
      const id = await createRoom(t.url, owner, { isPrivate: true, invitedUserIds: members.map((m) => m.user.id) });
      const watcher = (await t.connect(owner.access_token)).socket;
      assert.ok((await request(watcher, 'join_room', { room: id })).ok);
      const live: ChatMessage[] = [];
      watcher.on('message', (message) => {
        if (message.type === 'chat') live.push(message);
      });
      const senders = [];
      for (const session of members) {
        const { socket } = await t.connect(session.access_token);
        assert.ok((await request(socket, 'join_room', { room: id })).ok);
        senders.push({ session, socket });
      }
      rooms.push({ id, senders, watcher, live });
    }

    const fire = (round: number) =>
      Promise.all(
        rooms.flatMap((room, r) =>
          room.senders.map(({ socket }, s) => {
            const sender = r * SENDERS_PER_ROOM + s;
            // Every send leaves before any ack is back.
            const acks = Array.from({ length: BURST }, (_, n) =>
              request(socket, 'message', { room: room.id, msg: tagOf(sender, round * BURST + n) }, 30_000),
            );
            return Promise.all(acks).then((answers) => ({ sender, answers }));
          }),
        ),
      );

    /**
     * Someone is invited into every room: a membership change, so every replica drops the rooms'
     * cached memberships and the sends of the next burst read theirs from MySQL, concurrently.
     */
    const changeMemberships = async () => {
      for (const room of rooms) {
        const newcomer = await registerUser(t.url);
        const { status } = await api(t.url, 'POST', `/rooms/${room.id}/invites`, {
          token: room.senders[0].session.access_token,
          body: { userIds: [newcomer.user.id] },
        });
        assert.equal(status, 201);
      }
    };

    // After a quiet spell (the first send re-checks the token) and a membership change, then
    // after a membership change alone.
    await sleep(QUIET_MS);
    await changeMemberships();
    const first = await fire(0);
    await changeMemberships();
    const bursts = [...first, ...(await fire(1))];

    for (const { sender, answers } of bursts) {
      for (const answer of answers) assert.ok(answer.ok, `sender ${sender}: ${JSON.stringify(answer)}`);
    }
    const bySender = new Map<number, number[]>();
    for (const { sender, answers } of bursts) {
      bySender.set(sender, [...(bySender.get(sender) ?? []), ...answers.map((a) => (a.ok ? a.data.seq : -1))]);
    }
    for (const [sender, seqs] of bySender) {
      for (let i = 1; i < seqs.length; i++) {
        assert.ok(seqs[i] > seqs[i - 1], `sender ${sender}: send #${i} got seq ${seqs[i]} after #${i - 1}'s ${seqs[i - 1]}`);
      }
    }

    const total = SENDERS_PER_ROOM * 2 * BURST;
    for (const room of rooms) {
      await eventually(`room ${room.id}: every message delivered live`, () => Promise.resolve(room.live.length >= total));
      assertPerSenderOrder(`room ${room.id} live`, room.live);
      assertPerSenderOrder(
        `room ${room.id} live, by seq`,
        [...room.live].sort((a, b) => a.seq - b.seq),
      );

      await eventually(`room ${room.id}: every message in MySQL`, async () => {
        const [[row]] = await t.db.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM messages WHERE room_id = ? AND type = 'chat'", [
          room.id,
        ]);
        return Number(row?.n) >= total;
      });
      const [rows] = await t.db.query<RowDataPacket[]>("SELECT content FROM messages WHERE room_id = ? AND type = 'chat' ORDER BY seq", [
        room.id,
      ]);
      assert.equal(rows.length, total);
      assertPerSenderOrder(`room ${room.id} stored`, rows as { content: string }[]);

      const reader = room.senders[0].session;
      const history: ChatMessage[] = [];
      for (let after = 0; ;) {
        const { status, body } = await api<HistoryPage>(t.url, 'GET', `/rooms/${room.id}/messages?after=${after}&limit=100`, {
          token: reader.access_token,
        });
        assert.equal(status, 200);
        history.push(...body.messages);
        if (body.nextCursor === null) break;
        after = body.nextCursor;
      }
      assertPerSenderOrder(
        `room ${room.id} history`,
        history.filter((m) => m.type === 'chat'),
      );
    }
  });
});
