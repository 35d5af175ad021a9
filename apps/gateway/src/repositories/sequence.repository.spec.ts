import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type RealServices, startRealServices } from '../testing/real-services';
import { insertMessages, insertRoom, insertUser } from '../testing/rows';
import { RoomsRepository } from './rooms.repository';
import {
  type Admission,
  CLIENT_MSG_ID_TTL_SECONDS,
  isRefusal,
  type Reservation,
  sameRoom,
  type SeqRequest,
  SequenceRepository,
} from './sequence.repository';

/** A small send budget, so a test reaches it in a few sends: 2/s, bursts of 4. */
const env = { RATE_LIMIT_SEND_PER_SECOND: '2', RATE_LIMIT_SEND_BURST: '4' };

function reserved(admission: Admission): Reservation {
  assert.ok(!isRefusal(admission), 'refused');
  return admission;
}

describe('SequenceRepository (Redis, MariaDB)', () => {
  let services: RealServices;
  let sequence: SequenceRepository;
  let owner: { id: number };

  before(async () => {
    services = await startRealServices({ env });
    sequence = new SequenceRepository(services.redis, services.keys, new RoomsRepository(services.db, services.reads), services.config);
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
  const reserve = async (requests: SeqRequest[]) => (await sequence.reserve(requests)).map(reserved);
  const seqs = async (requests: SeqRequest[]) => (await reserve(requests)).map((r) => r.seq);

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
    const [original] = await reserve([first]);
    const retry = request(roomId, sender);
    const [again] = await reserve([retry]);

    assert.equal(original.retry, false);
    assert.deepEqual(again, { ...original, retry: true });
    assert.deepEqual({ id: again.id, createdAt: again.createdAt }, { id: first.id, createdAt: first.createdAt });
    assert.equal(sameRoom(again, retry), true);
    assert.deepEqual(await seqs([request(roomId)]), [original.seq + 1]);
    const ttl = await services.redis.ttl(services.keys.clientMsg(owner.id, sender.clientMsgId, roomId));
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
    await reserve([request(first, sender)]);
    const reuse = request(second, sender);
    const [reservation] = await reserve([reuse]);
    assert.equal(reservation.roomId, first);
    assert.equal(sameRoom(reservation, reuse), false);
    assert.equal(await services.redis.get(services.keys.roomSeq(second)), null, 'the second room took no seq');
  });

  it('reads a record an older release marked acked as acked', async () => {
    const roomId = await newRoom();
    const clientMsgId = randomUUID();
    const old = { id: randomUUID(), seq: 1, createdAt: new Date().toISOString(), roomId, acked: true };
    await services.redis.set(services.keys.clientMsg(owner.id, clientMsgId, roomId), JSON.stringify(old), 'EX', 60);
    const [again] = await reserve([request(roomId, { senderId: owner.id, clientMsgId })]);
    assert.deepEqual(again, { ...old, retry: true, acked: true });
  });

  it("draws a burst from the sender's budget, then refuses with the wait and takes no seq", async () => {
    const roomId = await newRoom();
    const sender = await insertUser(services.db);
    const send = () => request(roomId, { senderId: sender.id, budgeted: true });
    const admissions = await sequence.reserve([send(), send(), send(), send(), send(), request(roomId, { senderId: sender.id })]);
    assert.deepEqual(
      admissions.map((a) => (isRefusal(a) ? 'refused' : a.seq)),
      [1, 2, 3, 4, 'refused', 5],
      'four sends (the burst), the fifth refused; a message drawing on no budget (a note) still goes',
    );
    const refusal = admissions[4];
    assert.ok(isRefusal(refusal) && refusal.retryAfterMs > 0 && refusal.retryAfterMs <= 500, JSON.stringify(refusal));
    const other = await insertUser(services.db);
    assert.deepEqual(await seqs([request(roomId, { senderId: other.id, budgeted: true })]), [6], 'budgets are per sender');
  });

  it('refills the budget at the steady rate', async () => {
    const roomId = await newRoom();
    const sender = await insertUser(services.db);
    const send = () => request(roomId, { senderId: sender.id, budgeted: true });
    await sequence.reserve([send(), send(), send(), send()]);
    const [refused] = await sequence.reserve([send()]);
    assert.ok(isRefusal(refused));
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
    const [after, again] = await sequence.reserve([send(), send()]);
    assert.equal(isRefusal(after), false, 'one more fits once the wait has passed');
    assert.equal(isRefusal(again), true, 'but only one');
  });

  it("caps a room's set of unpersisted messages every 32nd seq", async () => {
    const roomId = await newRoom();
    const key = services.keys.recentMessages(roomId);
    await services.redis.zadd(key, ...Array.from({ length: 12_000 }, (_, i) => [i, `m${i}`]).flat());
    await seqs(Array.from({ length: 31 }, () => request(roomId)));
    assert.equal(await services.redis.zcard(key), 12_000);
    await seqs([request(roomId)]);
    assert.equal(await services.redis.zcard(key), 10_000, 'the newest 10,000 kept');
    assert.ok((await services.redis.ttl(key)) > 0);
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
    const reservations = await reserve([request(counted), request(lost), request(counted), request(lost)]);
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
