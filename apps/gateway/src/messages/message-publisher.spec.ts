import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, MessageStream, type PersistMessageJob, type PublicUser } from '@chat/contracts';
import { createObjectStorage } from '@chat/storage';
import { AttachmentClaims, AttachmentLinks } from '../attachments';
import { DomainEvents } from '../common/domain-events';
import { senderOf } from '../common/user-view';
import { AttachmentsRepository } from '../repositories/attachments.repository';
import { MembersRepository } from '../repositories/members.repository';
import { MembershipCache } from '../repositories/membership.cache';
import { MessagesRepository } from '../repositories/messages.repository';
import { MessageStreamRepository } from '../repositories/message-stream.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { SequenceRepository } from '../repositories/sequence.repository';
import { RoomAccess } from '../rooms';
import { type RealServices, startRealServices } from '../testing/real-services';
import { collect, nextEvent, type RealtimeServer, startRealtimeServer } from '../testing/realtime-server';
import { insertBan, insertRoom, insertUsers } from '../testing/rows';
import { DirectSink } from './direct.sink';
import { MessagePublisher } from './message-publisher';
import { MessageReferences } from './message-references';
import { QueueSink } from './queue.sink';

describe('MessagePublisher (MariaDB, Redis, Socket.IO)', () => {
  let services: RealServices;
  let socketServer: RealtimeServer;
  let rooms: RoomsRepository;
  let access: RoomAccess;
  let sequence: SequenceRepository;
  let recent: RecentMessageRepository;
  let messages: MessagesRepository;
  let events: DomainEvents;
  /** Production's path: numbered, then queued for the worker. */
  let publisher: MessagePublisher;
  /** The baseline's: numbered, then written to MySQL before the ack. */
  let direct: MessagePublisher;
  let newPublisher: (sink: QueueSink | DirectSink) => MessagePublisher;
  const queueSink = (stream = new MessageStreamRepository(services.redis, services.keys, services.config)) =>
    new QueueSink(sequence, stream, recent, messages, services.config);

  before(async () => {
    services = await startRealServices({ env: { RATE_LIMIT_SEND_PER_SECOND: '2', RATE_LIMIT_SEND_BURST: '3' } });
    socketServer = await startRealtimeServer(services);
    rooms = new RoomsRepository(services.db, services.reads);
    access = new RoomAccess(rooms, new MembershipCache(rooms, services.pub, services.sub, services.keys));
    sequence = new SequenceRepository(services.redis, services.keys, rooms, services.config);
    recent = new RecentMessageRepository(services.redis, services.keys);
    messages = new MessagesRepository(services.db, services.reads, services.config);
    events = new DomainEvents();
    const claims = new AttachmentClaims(new AttachmentsRepository(services.db), services.config);
    const links = new AttachmentLinks(services.config, createObjectStorage(services.config.storage));
    const references = new MessageReferences(messages, recent, new MembersRepository(services.db, services.reads));
    newPublisher = (sink) => new MessagePublisher(access, sink, socketServer.realtime, recent, events, claims, links, references);
    publisher = newPublisher(queueSink());
    publisher.onModuleInit();
    direct = newPublisher(new DirectSink(sequence, messages));
  });
  after(() => services?.close());

  async function roomWithMember(): Promise<{ roomId: number; owner: PublicUser; member: PublicUser }> {
    const [owner, member] = await insertUsers(services.db, 2);
    const roomId = await insertRoom(services.db, { owner, members: [{ user: member, role: 'member' }] });
    return { roomId, owner, member };
  }
  /** The messages of a room in the stream the worker reads, oldest entry first. */
  const queued = async (roomId: number) => {
    const entries = await services.redis.xrange(services.keys.messageStream, '-', '+');
    return entries
      .flatMap(([, fields]) => JSON.parse(fields[fields.indexOf(MessageStream.field) + 1]) as PersistMessageJob[])
      .filter((m) => m.roomId === roomId);
  };
  const counterOf = (roomId: number) => services.redis.get(services.keys.roomSeq(roomId));

  it("numbers a send, queues it for the worker, broadcasts it to the room, and keeps it readable until it's stored", async () => {
    const { roomId, owner, member } = await roomWithMember();
    const socket = await socketServer.connect(owner.id, { rooms: [roomId] });
    const broadcast = nextEvent(socket, 'message');
    const ack = await publisher.send(senderOf(member), { roomId, content: 'hello', clientMsgId: 'c-1' });

    assert.equal(ack.seq, 1);
    const message = await broadcast;
    assert.deepEqual(message, {
      ...ack,
      roomId,
      content: 'hello',
      type: 'chat',
      sender: senderOf(member),
      clientMsgId: 'c-1',
      attachments: [],
      editedAt: null,
      replyTo: null,
      mentions: [],
      reactions: [],
    });
    assert.deepEqual(
      (await queued(roomId)).map((m) => [m.id, m.seq, m.senderId, m.content, m.clientMsgId]),
      [[ack.id, 1, member.id, 'hello', 'c-1']],
    );
    assert.deepEqual(await recent.range(roomId, 0, 10, 'asc', 10), [message]);
  });

  it('quotes the message a reply answers, also before it is stored, and tells each mentioned member on a socket of theirs', async () => {
    const { roomId, owner, member } = await roomWithMember();
    const [outsider] = await insertUsers(services.db, 1);
    const elsewhere = await insertRoom(services.db, { owner: member });
    const ownerSocket = await socketServer.connect(owner.id);
    const mentioned = nextEvent(ownerSocket, 'mention');
    const long = 'ㄱ'.repeat(98) + '😀😀😀';
    const quoted = await publisher.send(senderOf(owner), { roomId, content: long });

    const reply = await publisher.send(senderOf(member), {
      roomId,
      content: 'yes',
      replyTo: quoted.id,
      mentions: [owner.id, owner.id, member.id, outsider.id],
    });

    const [stored] = await recent.range(roomId, quoted.seq, reply.seq + 1, 'asc', 10);
    assert.deepEqual(stored.replyTo, { id: quoted.id, seq: quoted.seq, senderId: owner.id, excerpt: 'ㄱ'.repeat(98) + '😀😀' });
    assert.deepEqual(stored.mentions, [owner.id], 'once each, members only, never the sender');
    assert.deepEqual(await mentioned, { roomId, messageId: reply.id, seq: reply.seq, from: senderOf(member) });
    const [job] = (await queued(roomId)).filter((m) => m.id === reply.id);
    assert.deepEqual([job.replyTo, job.mentions], [quoted.id, [owner.id]]);

    const other = await publisher.send(senderOf(member), { roomId: elsewhere, content: 'over here' });
    for (const replyTo of [other.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
      await assert.rejects(publisher.send(senderOf(member), { roomId, content: 'x', replyTo }), { code: ErrorCode.ValidationFailed });
    }
  });

  it('refuses a muted member with MUTED before a seq is taken', async () => {
    const { roomId, member } = await roomWithMember();
    await services.db.query("UPDATE room_members SET muted_until = '9999-12-31' WHERE room_id = ? AND user_id = ?", [roomId, member.id]);
    await assert.rejects(publisher.send(senderOf(member), { roomId, content: 'let me talk' }), { code: ErrorCode.Muted });
    assert.equal(await counterOf(roomId), null);
    assert.deepEqual(await queued(roomId), []);

    await services.db.query('UPDATE room_members SET muted_until = NULL WHERE room_id = ? AND user_id = ?', [roomId, member.id]);
    await access.changed(roomId);
    assert.equal((await publisher.send(senderOf(member), { roomId, content: 'thanks' })).seq, 1, 'no hole in the sequence');
  });

  it('refuses an unknown room, a non-member and a banned user before a seq is taken', async () => {
    const { roomId, owner } = await roomWithMember();
    const [stranger, banned] = await insertUsers(services.db, 2);
    await insertBan(services.db, roomId, banned.id);
    await assert.rejects(publisher.send(senderOf(owner), { roomId: 2 ** 31, content: 'x' }), { code: ErrorCode.NotFound });
    await assert.rejects(publisher.send(senderOf(stranger), { roomId, content: 'x' }), { code: ErrorCode.NotMember });
    await assert.rejects(publisher.send(senderOf(banned), { roomId, content: 'x' }), { code: ErrorCode.Banned });
    assert.equal(await counterOf(roomId), null);
  });

  it('refuses a sender past the send budget with RATE_LIMITED before a seq is taken', async () => {
    const { roomId, member } = await roomWithMember();
    for (let i = 0; i < 3; i++) await publisher.send(senderOf(member), { roomId, content: `#${i}` });
    await assert.rejects(publisher.send(senderOf(member), { roomId, content: 'one too many' }), { code: ErrorCode.RateLimited });
    assert.equal(await counterOf(roomId), '3');
  });

  it('answers a retry with the same clientMsgId with the same ack, broadcast and queued once', async () => {
    const { roomId, owner, member } = await roomWithMember();
    const socket = await socketServer.connect(owner.id, { rooms: [roomId] });
    const received = collect(socket, 'message');
    const clientMsgId = randomUUID();
    const first = await publisher.send(senderOf(member), { roomId, content: 'once', clientMsgId });
    const retry = await publisher.send(senderOf(member), { roomId, content: 'once', clientMsgId });
    assert.deepEqual(retry, first);

    const marker = nextEvent(socket, 'message');
    await publisher.send(senderOf(member), { roomId, content: 'marker' });
    await marker;
    assert.deepEqual(
      received.map((m) => m.content),
      ['once', 'marker'],
    );
    assert.deepEqual(
      (await queued(roomId)).map((m) => m.seq),
      [1, 2],
    );
  });

  it('answers a retry whose message the worker has stored with the same ack, neither broadcast nor queued again', async () => {
    const { roomId, owner, member } = await roomWithMember();
    const clientMsgId = randomUUID();
    const first = await publisher.send(senderOf(member), { roomId, content: 'stored', clientMsgId });
    // As the worker leaves it: the row in MySQL, the read cache cleared.
    const [job] = await queued(roomId);
    await messages.insertNow(job);
    await recent.remove(roomId, first.seq);

    const socket = await socketServer.connect(owner.id, { rooms: [roomId] });
    const received = collect(socket, 'message');
    assert.deepEqual(await publisher.send(senderOf(member), { roomId, content: 'stored', clientMsgId }), first);
    const marker = nextEvent(socket, 'message');
    await publisher.send(senderOf(member), { roomId, content: 'marker' });
    await marker;
    assert.deepEqual(
      received.map((m) => m.content),
      ['marker'],
    );
    assert.deepEqual(
      (await queued(roomId)).map((m) => m.seq),
      [1, 2],
    );
  });

  it('answers CONFLICT to a clientMsgId reused in another room, which takes no seq', async () => {
    const [owner] = await insertUsers(services.db, 1);
    const [first, second] = [await insertRoom(services.db, { owner }), await insertRoom(services.db, { owner })];
    const clientMsgId = randomUUID();
    await publisher.send(senderOf(owner), { roomId: first, content: 'here', clientMsgId });
    await assert.rejects(publisher.send(senderOf(owner), { roomId: second, content: 'there', clientMsgId }), { code: ErrorCode.Conflict });
    assert.equal(await counterOf(second), null);
    assert.deepEqual(await queued(second), []);
  });

  it('answers UNAVAILABLE when the message cannot be queued, broadcasting nothing; a retry then goes through with the same seq', async () => {
    const { roomId, owner, member } = await roomWithMember();
    const socket = await socketServer.connect(owner.id, { rooms: [roomId] });
    const received = collect(socket, 'message');
    const closed = services.connectRedis('closed');
    await closed.quit();
    const cut = newPublisher(queueSink(new MessageStreamRepository(closed, services.keys, services.config)));
    const clientMsgId = randomUUID();
    await assert.rejects(cut.send(senderOf(member), { roomId, content: 'lost?', clientMsgId }), { code: ErrorCode.Unavailable });

    const broadcast = nextEvent(socket, 'message');
    const ack = await publisher.send(senderOf(member), { roomId, content: 'lost?', clientMsgId });
    assert.equal(ack.seq, 1);
    assert.equal((await broadcast).id, ack.id);
    assert.deepEqual(
      received.map((m) => m.id),
      [ack.id],
      'the failed attempt broadcast nothing',
    );
    assert.deepEqual(
      (await queued(roomId)).map((m) => m.id),
      [ack.id],
    );
  });

  it("stores a membership-changed note as a system message in the room's history", async () => {
    const { roomId, owner } = await roomWithMember();
    const socket = await socketServer.connect(owner.id, { rooms: [roomId] });
    const broadcast = nextEvent(socket, 'message');
    const room = (await rooms.findMembership(roomId, owner.id))!.room;
    await events.emit('room.membership-changed', { room, note: 'Ann joined' });
    const message = await broadcast;
    assert.deepEqual([message.type, message.sender, message.content, message.seq], ['system', null, 'Ann joined', 1]);
    assert.deepEqual(
      (await queued(roomId)).map((m) => [m.type, m.senderId]),
      [['system', null]],
    );
  });

  it('with the direct sink, writes MySQL before the ack and keeps no copy in Redis; a retry writes no second row', async () => {
    const { roomId, member } = await roomWithMember();
    const clientMsgId = randomUUID();
    const ack = await direct.send(senderOf(member), { roomId, content: 'durable', clientMsgId });
    assert.deepEqual(await direct.send(senderOf(member), { roomId, content: 'durable', clientMsgId }), ack);

    const rows = await services.db.query<{ id: string; seq: number }[]>('SELECT id, seq FROM messages WHERE room_id = ?', [roomId]);
    assert.deepEqual(
      rows.map((r) => [r.id, Number(r.seq)]),
      [[ack.id, 1]],
    );
    assert.equal((await rooms.findMembership(roomId, member.id))?.room.lastMessage, 'durable');
    assert.deepEqual(await recent.range(roomId, 0, 10, 'asc', 10), []);
  });
});
