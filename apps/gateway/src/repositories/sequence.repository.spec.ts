import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage } from '@chat/contracts';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertMessages, insertRoom, insertUser } from '../testing/rows';
import { RecentMessageRepository } from './recent-message.repository';
import { RoomsRepository } from './rooms.repository';
import { CLIENT_MSG_ID_TTL_SECONDS, needsStoring, type SeqRequest, SequenceRepository } from './sequence.repository';

describe('SequenceRepository (Redis, MariaDB)', () => {
  let services: RealServices;
  let sequence: SequenceRepository;
  let owner: { id: number };

  before(async () => {
    services = await startRealServices();
    sequence = new SequenceRepository(services.redis, services.keys, new RoomsRepository(services.db));
    owner = await insertUser(services.db);
  });
  after(() => services?.close());

  const newRoom = () => insertRoom(services.db, { owner });
  const request = (roomId: number, extra: Partial<SeqRequest> = {}): SeqRequest => ({
    roomId,
    floor: 0,
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    ...extra,
  });
  const seqs = async (requests: SeqRequest[]) => (await sequence.reserve(requests)).map((r) => r.seq);

  it("numbers each room's messages from 1, in the order asked", async () => {
    const a = await newRoom();
    const b = await newRoom();
    assert.deepEqual(await seqs([request(a), request(a), request(b), request(a)]), [1, 2, 1, 3]);
    assert.deepEqual(await seqs([request(b)]), [2]);
    assert.equal(await sequence.current(a, 0), 3);
  });

  it('gives a retry with the same clientMsgId the first reservation, and takes no seq for it', async () => {
    const roomId = await newRoom();
    const sender = { senderId: owner.id, clientMsgId: randomUUID() };
    const first = request(roomId, sender);
    const [reserved] = await sequence.reserve([first]);
    const retry = request(roomId, sender);
    const [again] = await sequence.reserve([retry]);

    assert.deepEqual(again, reserved);
    assert.deepEqual(
      { id: again.id, createdAt: again.createdAt, acked: again.acked },
      { id: first.id, createdAt: first.createdAt, acked: false },
    );
    assert.equal(needsStoring(again, retry), true, 'not acknowledged yet: the retry finishes the first attempt');
    assert.deepEqual(await seqs([request(roomId)]), [reserved.seq + 1]);
    const ttl = await services.redis.ttl(services.keys.clientMsg(owner.id, sender.clientMsgId));
    assert.ok(ttl > CLIENT_MSG_ID_TTL_SECONDS - 60 && ttl <= CLIENT_MSG_ID_TTL_SECONDS, `ttl ${ttl}`);
  });

  it("keeps one sender's clientMsgId apart from another's", async () => {
    const roomId = await newRoom();
    const other = await insertUser(services.db);
    const clientMsgId = randomUUID();
    assert.deepEqual(
      await seqs([request(roomId, { senderId: owner.id, clientMsgId }), request(roomId, { senderId: other.id, clientMsgId })]),
      [1, 2],
    );
  });

  it('answers a clientMsgId reused in another room with the first room, which needs no storing', async () => {
    const first = await newRoom();
    const second = await newRoom();
    const sender = { senderId: owner.id, clientMsgId: randomUUID() };
    await sequence.reserve([request(first, sender)]);
    const reuse = request(second, sender);
    const [reservation] = await sequence.reserve([reuse]);
    assert.equal(reservation.roomId, first);
    assert.equal(needsStoring(reservation, reuse), false);
    assert.equal(await services.redis.get(services.keys.roomSeq(second)), null, 'the second room took no seq');
  });

  it('answers a retry of an acknowledged send as acked, which needs no storing', async () => {
    const roomId = await newRoom();
    const clientMsgId = randomUUID();
    const [reservation] = await sequence.reserve([request(roomId, { senderId: owner.id, clientMsgId })]);
    const message: ChatMessage = { ...reservation, content: 'hi', type: 'chat', sender: null, clientMsgId };
    const recent = new RecentMessageRepository(services.redis, services.keys);
    await recent.remember(message, { store: false, also: sequence.ackedRecord(owner.id, clientMsgId, reservation) });

    const retry = request(roomId, { senderId: owner.id, clientMsgId });
    const [again] = await sequence.reserve([retry]);
    assert.deepEqual(again, { ...reservation, acked: true });
    assert.equal(needsStoring(again, retry), false);
  });

  it("restarts a missing counter from MySQL's last seq, not from the caller's stale floor", async () => {
    const roomId = await newRoom();
    await insertMessages(
      services.db,
      roomId,
      [1, 2, 3].map((seq) => ({ seq, senderId: owner.id })),
    );
    await services.redis.del(services.keys.roomSeq(roomId));
    assert.deepEqual(await seqs([request(roomId, { floor: 0 })]), [4]);
  });

  it('raises a counter that is behind the floor', async () => {
    const roomId = await newRoom();
    await services.redis.set(services.keys.roomSeq(roomId), '2');
    assert.deepEqual(await seqs([request(roomId, { floor: 10 })]), [11]);
    assert.equal(await sequence.current(roomId, 5), 11);
    assert.equal(await sequence.current(roomId, 20), 20);
  });

  it('keeps the order of a batch in which only some rooms had to be restarted', async () => {
    const counted = await newRoom();
    const lost = await newRoom();
    await services.redis.set(services.keys.roomSeq(counted), '5');
    await insertMessages(services.db, lost, [{ seq: 7, senderId: owner.id }]);
    const reservations = await sequence.reserve([request(counted), request(lost), request(counted), request(lost)]);
    assert.deepEqual(
      reservations.map((r) => [r.roomId, r.seq]),
      [
        [counted, 6],
        [lost, 8],
        [counted, 7],
        [lost, 9],
      ],
    );
  });
});
