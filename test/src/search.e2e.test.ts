import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import type { ChatMessage, ErrorBody, HistoryPage, MessageAccepted, Session } from '@chat/contracts';
import { api, type ChatClient, createRoom, registerUser, request, send, socketIn } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** The body of GET /search/messages. */
interface SearchResults {
  messages: ChatMessage[];
  nextCursor: string | null;
}

/** A word no other test sends, so a search for it finds only what this test sent. */
const uniqueWord = (stem: string) => `${stem}${randomBytes(4).toString('hex')}`;

/** GET /search/messages through nginx, against MariaDB, with the worker indexing as it persists. */
describe('message search', { timeout: 180_000 }, () => {
  // The paging tests send a few dozen messages at once, past the default send budget.
  const t = useCluster({ gateways: 2, env: { RATE_LIMIT_SEND_PER_SECOND: '1000', RATE_LIMIT_SEND_BURST: '1000' } });

  const search = (session: Session | undefined, params: Record<string, string | number>) =>
    api<SearchResults & ErrorBody>(t.url, 'GET', `/search/messages?${new URLSearchParams(toStrings(params)).toString()}`, {
      token: session?.access_token,
    });
  const contentsFound = async (session: Session, q: string, extra: Record<string, string | number> = {}) => {
    const found = await search(session, { q, ...extra });
    assert.equal(found.status, 200, JSON.stringify(found.body));
    return found.body.messages.map((m) => m.content);
  };
  const post = <T>(session: Session, path: string, body?: unknown) => api<T>(t.url, 'POST', path, { token: session.access_token, body });

  /** Sends each text in order and waits until the worker has stored (and so indexed) the last one. */
  async function sendAll(socket: ChatClient, room: number, texts: string[]) {
    const acks: MessageAccepted[] = [];
    for (const text of texts) acks.push(await send(socket, room, text));
    await eventually(`${acks.length} messages stored`, async () => {
      const [[row]] = await t.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM messages WHERE id IN (?)', [acks.map((a) => a.id)]);
      return Number(row?.n) === acks.length;
    });
    return acks;
  }

  it('finds Korean, Japanese and Chinese text by substring and words in any case; never pairs that are absent or apart', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner, { isPrivate: true });
    await sendAll(await socketIn(t, owner, room), room, [
      '안녕하세요 여러분',
      '회의는 내일 10시',
      '회의 끝나고 의실 정리',
      '회의실 예약 완료',
      '東京タワーへ行きましょう',
      '我们明天开会',
      'The Quarterly MEETING moved to Friday',
    ]);
    const found = (q: string) => contentsFound(owner, q, { room });

    assert.deepEqual(await found('안녕'), ['안녕하세요 여러분']);
    assert.deepEqual(await found('회의'), ['회의실 예약 완료', '회의 끝나고 의실 정리', '회의는 내일 10시'], 'newest first');
    assert.deepEqual(await found('회의실'), ['회의실 예약 완료'], '회의 and 의실 apart do not make 회의실');
    assert.deepEqual(await found('요여'), [], 'no message holds the pair 요여 (요 and 여 are in different words)');
    assert.deepEqual(await found('내일 회의'), ['회의는 내일 10시'], 'every part, in any order');
    assert.deepEqual(await found('タワー'), ['東京タワーへ行きましょう']);
    assert.deepEqual(await found('東京'), ['東京タワーへ行きましょう']);
    assert.deepEqual(await found('开会'), ['我们明天开会']);
    assert.deepEqual(await found('明天开'), ['我们明天开会']);
    assert.deepEqual(await found('meeting'), ['The Quarterly MEETING moved to Friday']);
    assert.deepEqual(await found('QUARTERLY meet'), ['The Quarterly MEETING moved to Friday'], 'a word finds words that start with it');
    assert.deepEqual(await found('ＦＲＩＤＡＹ'), ['The Quarterly MEETING moved to Friday'], 'full-width text is normalised');
    assert.deepEqual(await found('eeting'), [], 'words match from their start');
  });

  it('answers each message exactly as history shows it', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const word = uniqueWord('same');
    const [ack] = await sendAll(await socketIn(t, owner, room), room, [`${word} 그대로`]);
    const history = await api<HistoryPage>(t.url, 'GET', `/rooms/${room}/messages`, { token: owner.access_token });
    const inHistory = history.body.messages.find((m) => m.id === ack.id);
    const found = await search(owner, { q: word });
    assert.deepEqual(found.body, { messages: [inHistory], nextCursor: null });
    assert.equal(found.body.messages[0].roomId, room);
  });

  it("searches only the caller's rooms; room= narrows to one, refused for a room one is not in", async () => {
    const [ann, bob] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const word = uniqueWord('secret');
    const annRoom = await createRoom(t.url, ann, { isPrivate: true });
    const annOther = await createRoom(t.url, ann, { isPrivate: false });
    const bobRoom = await createRoom(t.url, bob, { isPrivate: true });
    await sendAll(await socketIn(t, ann, annRoom), annRoom, [`${word} in ann's room`]);
    await sendAll(await socketIn(t, ann, annOther), annOther, [`${word} in ann's other room`]);
    await sendAll(await socketIn(t, bob, bobRoom), bobRoom, [`${word} in bob's room`]);

    assert.deepEqual(await contentsFound(ann, word), [`${word} in ann's other room`, `${word} in ann's room`]);
    assert.deepEqual(await contentsFound(bob, word), [`${word} in bob's room`]);
    assert.deepEqual(await contentsFound(ann, word, { room: annRoom }), [`${word} in ann's room`]);

    const foreign = await search(ann, { q: word, room: bobRoom });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'NOT_MEMBER');
    const publicButNotJoined = await search(bob, { q: word, room: annOther });
    assert.equal(publicButNotJoined.body.code, 'NOT_MEMBER', 'a public room one has not joined is not searched either');
    const missing = await search(ann, { q: word, room: 4_000_000_000 });
    assert.equal(missing.body.code, 'NOT_FOUND');
  });

  it('finds for an invitee only what was sent after their invitation', async () => {
    const [owner, invitee] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { isPrivate: true });
    const socket = await socketIn(t, owner, room);
    await sendAll(socket, room, ['비밀회의 초대 전']);
    assert.equal((await post(owner, `/rooms/${room}/invites`, { userIds: [invitee.user.id] })).status, 201);
    await sendAll(socket, room, ['비밀회의 초대 후']);

    assert.deepEqual(await contentsFound(invitee, '비밀회의'), ['비밀회의 초대 후']);
    assert.deepEqual(await contentsFound(invitee, '비밀회의', { room }), ['비밀회의 초대 후']);
    assert.deepEqual(await contentsFound(owner, '비밀회의'), ['비밀회의 초대 후', '비밀회의 초대 전']);
  });

  it('stops finding the messages of a room one has left', async () => {
    const [owner, member] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { isPrivate: false });
    assert.equal((await post(member, `/rooms/${room}/join`)).status, 201);
    const word = uniqueWord('farewell');
    await sendAll(await socketIn(t, owner, room), room, [`${word} 떠나기 전에`]);
    assert.deepEqual(await contentsFound(member, word), [`${word} 떠나기 전에`]);

    assert.equal((await post(member, `/rooms/${room}/leave`)).status, 204);
    assert.deepEqual(await contentsFound(member, word), []);
    assert.deepEqual(await contentsFound(owner, word), [`${word} 떠나기 전에`]);
  });

  it('never finds a deleted message, and deleting removes its index entry', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const word = uniqueWord('oops');
    const [doomed] = await sendAll(await socketIn(t, owner, room), room, [`${word} 지울 메시지`, `${word} 남길 메시지`]);
    assert.equal((await contentsFound(owner, word)).length, 2);
    const [[indexRow]] = await t.db.query<RowDataPacket[]>('SELECT * FROM message_search WHERE message_id = ?', [doomed.id]);

    assert.equal((await api(t.url, 'DELETE', `/messages/${doomed.id}`, { token: owner.access_token })).status, 204);
    assert.deepEqual(await contentsFound(owner, word), [`${word} 남길 메시지`]);
    const [rows] = await t.db.query<RowDataPacket[]>('SELECT 1 FROM message_search WHERE message_id = ?', [doomed.id]);
    assert.equal(rows.length, 0, 'the index row went with the message');

    // A batch redelivered after the deletion writes the index row again: the message stays unfound.
    await t.db.query('INSERT INTO message_search SET ?', [indexRow]);
    assert.deepEqual(await contentsFound(owner, word), [`${word} 남길 메시지`]);
  });

  it('never finds system notes', async () => {
    const [owner, invitee] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await createRoom(t.url, owner, { isPrivate: true });
    assert.equal((await post(owner, `/rooms/${room}/invites`, { userIds: [invitee.user.id] })).status, 201);
    await sendAll(await socketIn(t, owner, room), room, ['I invited a friend']);
    const history = await api<HistoryPage>(t.url, 'GET', `/rooms/${room}/messages`, { token: owner.access_token });
    assert.ok(
      history.body.messages.some((m) => m.type === 'system' && m.content.includes('invited')),
      'the invitation is stored as a system note',
    );
    const found = await search(owner, { q: 'invited', room });
    assert.deepEqual(
      found.body.messages.map((m) => [m.type, m.content]),
      [['chat', 'I invited a friend']],
    );
  });

  it('pages newest first: the cursors visit every match once, and the last page says null', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const word = uniqueWord('page');
    const acks = await sendAll(
      await socketIn(t, owner, room),
      room,
      Array.from({ length: 25 }, (_, i) => `${word} ${i}`),
    );
    const seen: ChatMessage[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(owner, { q: word, limit: 10, ...(cursor ? { cursor } : {}) });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      sizes.push(page.body.messages.length);
      seen.push(...page.body.messages);
      cursor = page.body.nextCursor;
    } while (cursor !== null && sizes.length < 10);
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.deepEqual(
      seen.map((m) => m.id),
      acks.map((a) => a.id).reverse(),
    );
  });

  it('pages through matches among many candidates that fail the exact check', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    // Every message holds the pairs of 회의실; only every third holds 회의실 itself.
    const texts = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? `회의실 ${i}` : `회의 하고 의실 ${i}`));
    await sendAll(await socketIn(t, owner, room), room, texts);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const page = await search(owner, { q: '회의실', room, limit: 2, ...(cursor ? { cursor } : {}) });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...page.body.messages.map((m) => m.content));
      cursor = page.body.nextCursor;
      if (cursor === null) break;
    }
    assert.equal(cursor, null);
    assert.deepEqual(seen, texts.filter((text) => text.startsWith('회의실')).reverse());
  });

  it('refuses invalid queries with VALIDATION_FAILED, never a 500', async () => {
    const user = await registerUser(t.url);
    const wellFormed = Buffer.from('01J9Z3K8Q4W5X6Y7Z8A9B0C1D2').toString('base64url');
    const invalid: Record<string, string | number>[] = [
      {},
      { q: '가' },
      { q: 'x' },
      { q: '가'.repeat(101) },
      { q: 'ok', limit: 0 },
      { q: 'ok', limit: 101 },
      { q: 'ok', limit: 'ten' },
      { q: 'ok', limit: 1.5 },
      { q: 'ok', cursor: 'not-a-cursor' },
      { q: 'ok', cursor: Buffer.from('x'.repeat(26)).toString('base64url') },
      { q: 'ok', cursor: `${wellFormed}=` },
      { q: 'ok', room: 'abc' },
      { q: 'ok', room: 0 },
      { q: 'ok', other: 1 },
    ];
    for (const params of invalid) {
      const refused = await search(user, params);
      assert.equal(refused.status, 400, `${JSON.stringify(params)}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.code, 'VALIDATION_FAILED');
      assert.equal(refused.body.statusCode, 400);
      assert.equal(refused.body.error, 'Bad Request');
      assert.equal(typeof refused.body.message, 'string');
    }
    const repeated = await api<ErrorBody>(t.url, 'GET', '/search/messages?q=ab&q=cd', { token: user.access_token });
    assert.equal(repeated.body.code, 'VALIDATION_FAILED');
    for (const q of ['가나', '가'.repeat(100), '👍👍', '  ']) {
      const accepted = await search(user, { q });
      assert.equal(accepted.status, 200, `${q}: ${JSON.stringify(accepted.body)}`);
    }
    assert.equal((await search(user, { q: 'ok', cursor: wellFormed })).status, 200);
  });

  it('refuses a request without a valid token', async () => {
    const anonymous = await search(undefined, { q: 'hello' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'UNAUTHORIZED');
    const forged = await api<ErrorBody>(t.url, 'GET', '/search/messages?q=hello', { token: 'not.a.token' });
    assert.equal(forged.body.code, 'UNAUTHORIZED');
  });

  it('finds a message within 2 s of its ack', async (context) => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const socket = await socketIn(t, owner, room);
    const word = uniqueWord('fresh');
    const ack = await send(socket, room, `${word} 방금 보낸 메시지`);
    const ackedAt = Date.now();
    await eventually(
      'the message in search results',
      async () => (await search(owner, { q: word })).body.messages?.some((m) => m.id === ack.id),
      2_000,
      20,
    );
    const elapsed = Date.now() - ackedAt;
    context.diagnostic(`searchable ${elapsed} ms after the ack`);
    assert.ok(elapsed < 2_000, `${elapsed} ms`);
  });
});

describe('message search turned off (SEARCH_BACKEND=none)', { timeout: 120_000 }, () => {
  const t = useCluster({ gateways: 1, env: { SEARCH_BACKEND: 'none' } });

  it('indexes nothing and answers 503 UNAVAILABLE', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const { socket } = await t.connect(owner.access_token);
    assert.ok((await request(socket, 'join_room', room)).ok);
    const ack = await request(socket, 'message', { room, msg: 'not indexed' });
    assert.ok(ack.ok);
    await eventually('the message stored', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT 1 FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length > 0;
    });
    const [indexed] = await t.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM message_search');
    assert.equal(Number(indexed[0].n), 0);
    const refused = await api<ErrorBody>(t.url, 'GET', `/search/messages?q=indexed&room=${room}`, { token: owner.access_token });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.code, 'UNAVAILABLE');
  });
});

function toStrings(params: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)]));
}
