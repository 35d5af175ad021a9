import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import sharp from 'sharp';
import type { HistoryPage, MyRoomView, Session, StoredAttachment } from '@chat/contracts';
import { api, createRoom, nextEvent, registerUser, request, socketIn } from './support/clients';
import { useCluster } from './support/fixture';
import { type S3Server, startS3Server } from './support/s3-server';
import { eventually } from './support/wait';

const MAX_BYTES = 256 * 1024;
const QUOTA_BYTES = 1024 * 1024;
const UPLOADS_PER_MINUTE = 40;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .png()
    .toBuffer();

/** File and image messages through nginx: upload, send, serve, limits, cleanup (docs/EVENTS.md, API.md "Attachments"). */
describe('attachments', { timeout: 240_000 }, () => {
  const t = useCluster({
    gateways: 2,
    env: {
      ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
      ATTACHMENT_QUOTA_BYTES: String(QUOTA_BYTES),
      ATTACHMENT_UPLOADS_PER_MINUTE: String(UPLOADS_PER_MINUTE),
      ATTACHMENT_SWEEP_SECONDS: '1',
    },
  });

  const get = <T>(session: Session, path: string) => api<T>(t.url, 'GET', path, { token: session.access_token });

  async function upload(session: Session | undefined, room: number, bytes: Uint8Array, name: string, type = 'application/octet-stream') {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type }), name);
    const response = await fetch(`${t.url}/rooms/${room}/attachments`, {
      method: 'POST',
      headers: session ? { authorization: `Bearer ${session.access_token}` } : {},
      body: form,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: JSON.parse(text) as StoredAttachment & { code?: string; message?: string },
    };
  }

  async function uploaded(session: Session, room: number, bytes: Uint8Array, name: string, type?: string): Promise<StoredAttachment> {
    const answer = await upload(session, room, bytes, name, type);
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  }

  const fetchBytes = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${t.url}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
  };

  const persisted = (id: string) =>
    eventually(`message ${id} persisted`, async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT 1 FROM messages WHERE id = ?', [id]);
      return rows.length === 1;
    });

  async function roomOf(owner: Session, members: Session[] = []) {
    return createRoom(t.url, owner, { isPrivate: true, invitedUserIds: members.map((m) => m.user.id) });
  }

  it('takes the type from the bytes: a PNG named x.html is an image with its size and a thumbnail; HTML named a.png downloads', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const image = await uploaded(owner, room, await png(640, 480), 'x.html', 'text/html');
    assert.deepEqual(
      { contentType: image.contentType, width: image.width, height: image.height, name: image.name },
      { contentType: 'image/png', width: 640, height: 480, name: 'x.html' },
    );
    const page = new TextEncoder().encode('<html><script>alert(document.cookie)</script></html>');
    const html = await uploaded(owner, room, page, 'a.png', 'image/png');
    assert.notEqual(html.contentType, 'image/png');
    assert.equal(html.width, undefined);

    const socket = await socketIn(t, owner, room);
    const live = nextEvent(socket, 'message');
    const ack = await request(socket, 'message', { room, msg: '', attachmentIds: [image.id, html.id] });
    assert.ok(ack.ok, JSON.stringify(ack));
    const message = await live;
    const [shownImage, shownHtml] = message.attachments;
    assert.ok(shownImage.thumbnailUrl && shownImage.url, JSON.stringify(message.attachments));
    assert.equal(shownHtml.thumbnailUrl, undefined);

    // Signed links work without a token.
    const thumbnail = await fetchBytes(shownImage.thumbnailUrl);
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.headers.get('content-type'), 'image/webp');
    const meta = await sharp(thumbnail.bytes).metadata();
    assert.ok(meta.width <= 320 && meta.height <= 320, `${meta.width}×${meta.height}`);
    const full = await fetchBytes(shownImage.url);
    assert.equal(full.headers.get('content-type'), 'image/png');
    assert.match(full.headers.get('content-disposition') ?? '', /^inline/);
    assert.equal(full.headers.get('x-content-type-options'), 'nosniff');

    const download = await fetchBytes(shownHtml.url);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/octet-stream');
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="?a\.png"?/);
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff');
    assert.match(download.headers.get('content-security-policy') ?? '', /sandbox/);
    assert.deepEqual(download.bytes, page);
  });

  it('strips EXIF (GPS included) from a JPEG and applies its orientation to width and height', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3366aa' } })
      .withMetadata({ orientation: 6 })
      .withExifMerge({
        IFD0: { Make: 'PhoneCo', Model: 'Tracker 1' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '37/1 33/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '126/1 58/1 0/1' },
      })
      .jpeg()
      .toBuffer();
    const fixture = await sharp(jpeg).metadata();
    assert.ok(fixture.exif && fixture.orientation === 6, 'the fixture carries EXIF and an orientation');
    const attachment = await uploaded(owner, room, jpeg, 'holiday.jpg', 'image/jpeg');
    assert.deepEqual([attachment.width, attachment.height], [200, 300], 'orientation 6 is a quarter turn');
    const served = await fetchBytes(`/attachments/${attachment.id}`, { authorization: `Bearer ${owner.access_token}` });
    assert.equal(served.status, 200);
    const meta = await sharp(served.bytes).metadata();
    assert.equal(meta.exif, undefined, 'EXIF is gone');
    assert.ok(!Buffer.from(served.bytes).includes('PhoneCo'), 'no camera or location text left in the bytes');
    assert.equal(served.bytes.length, attachment.size);
  });

  it('sends attachments with a message: live, in history and sync, in the room list, and one upload per message', async () => {
    const [owner, member, outsider] = await Promise.all([registerUser(t.url), registerUser(t.url), registerUser(t.url)]);
    const room = await roomOf(owner, [member]);
    const other = await roomOf(owner);
    const file = new Uint8Array(50_000).map((_, i) => (i * 7) % 251);
    const attachment = await uploaded(owner, room, file, '보고서 final.bin');
    const ownerSocket = await socketIn(t, owner, room);
    const memberSocket = await socketIn(t, member, room);
    const seen = nextEvent(memberSocket, 'message');
    const ack = await request(ownerSocket, 'message', { room, msg: '', attachmentIds: [attachment.id], clientMsgId: 'with-file' });
    assert.ok(ack.ok, JSON.stringify(ack));
    const live = await seen;
    assert.equal(live.content, '');
    assert.equal(live.attachments.length, 1);
    assert.deepEqual({ ...live.attachments[0], url: undefined }, { ...attachment, url: undefined });

    // A retry of the same send gets the same ack; any other use of the upload is refused.
    const retry = await request(ownerSocket, 'message', { room, msg: '', attachmentIds: [attachment.id], clientMsgId: 'with-file' });
    assert.deepEqual(retry, ack);
    const reuse = await request(ownerSocket, 'message', { room, msg: 'again', attachmentIds: [attachment.id] });
    assert.equal(!reuse.ok && reuse.error.code, 'VALIDATION_FAILED');
    const another = await uploaded(owner, room, file, 'other.bin');
    const stolen = await request(memberSocket, 'message', { room, msg: 'mine now', attachmentIds: [another.id] });
    assert.equal(!stolen.ok && stolen.error.code, 'VALIDATION_FAILED', "someone else's upload");
    const elsewhere = await request(await socketIn(t, owner, other), 'message', { room: other, msg: 'x', attachmentIds: [another.id] });
    assert.equal(!elsewhere.ok && elsewhere.error.code, 'VALIDATION_FAILED', 'an upload to another room');
    const ids = Array.from({ length: 11 }, () => another.id.slice(0, -1) + 'A');
    const tooMany = await request(ownerSocket, 'message', { room, msg: 'x', attachmentIds: ids });
    assert.equal(!tooMany.ok && tooMany.error.code, 'VALIDATION_FAILED', '11 ids');
    const empty = await request(ownerSocket, 'message', { room, msg: '' });
    assert.equal(!empty.ok && empty.error.code, 'VALIDATION_FAILED', 'no text and no attachments');
    const rest = await api<{ code: string }>(t.url, 'POST', `/rooms/${room}/messages`, {
      token: owner.access_token,
      body: { content: 'x', attachmentIds: ['not-a-ulid'] },
    });
    assert.equal(rest.body.code, 'VALIDATION_FAILED');
    // The refusals took no seq and left the second upload free for its owner.
    const later = await request(ownerSocket, 'message', { room, msg: 'and this one', attachmentIds: [another.id] });
    assert.ok(later.ok && ack.ok && later.data.seq === ack.data.seq + 1, JSON.stringify(later));

    // Not persisted yet, or persisted: history and sync carry the attachments with fresh links.
    const history = await get<HistoryPage>(member, `/rooms/${room}/messages`);
    const stored = history.body.messages.find((m) => ack.ok && m.id === ack.data.id);
    assert.equal(stored?.attachments[0]?.id, attachment.id);
    await persisted(ack.ok ? ack.data.id : '');
    const sync = await request(memberSocket, 'sync', { room, afterSeq: 0 });
    assert.ok(sync.ok);
    const synced = sync.data.messages.find((m) => ack.ok && m.id === ack.data.id);
    assert.equal(synced?.attachments[0]?.name, '보고서 final.bin');
    const bytes = await fetchBytes(synced?.attachments[0]?.url ?? assert.fail('no attachment in sync'));
    assert.equal(sha256(bytes.bytes), sha256(file));

    // Room list previews an attachment-only message.
    const solo = await uploaded(owner, other, file, 'notes.txt');
    const soloAck = await request(await socketIn(t, owner, other), 'message', { room: other, msg: '', attachmentIds: [solo.id] });
    assert.ok(soloAck.ok);
    await persisted(soloAck.data.id);
    const mine = await get<MyRoomView[]>(owner, '/rooms/mine');
    assert.equal(mine.body.find((r) => r.id === other)?.lastMessage, '📎 notes.txt');

    // Links are capabilities; a bearer token needs membership.
    const byToken = await fetchBytes(`/attachments/${attachment.id}`, { authorization: `Bearer ${outsider.access_token}` });
    assert.equal(byToken.status, 403, 'an outsider with a token');
    assert.equal((await fetchBytes(`/attachments/${attachment.id}`)).status, 401, 'no token, no link');
  });

  it('serves ranges, ETags and 304s, and refuses altered or expired links', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const file = new Uint8Array(10_000).map((_, i) => i % 256);
    const attachment = await uploaded(owner, room, file, 'data.bin');
    const socket = await socketIn(t, owner, room);
    const live = nextEvent(socket, 'message');
    assert.ok((await request(socket, 'message', { room, msg: 'see file', attachmentIds: [attachment.id] })).ok);
    const { url } = (await live).attachments[0];

    const whole = await fetchBytes(url);
    assert.equal(whole.headers.get('content-length'), '10000');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    const etag = whole.headers.get('etag');
    assert.ok(etag);
    const first = await fetchBytes(url, { range: 'bytes=0-9' });
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), 'bytes 0-9/10000');
    assert.deepEqual(first.bytes, file.subarray(0, 10));
    const tail = await fetchBytes(url, { range: 'bytes=-5' });
    assert.deepEqual(tail.bytes, file.subarray(9995));
    const beyond = await fetchBytes(url, { range: 'bytes=20000-' });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), 'bytes */10000');
    assert.equal((await fetchBytes(url, { 'if-none-match': etag })).status, 304);

    const parsed = new URL(url, t.url);
    const sig = parsed.searchParams.get('sig') ?? '';
    const altered = `${parsed.pathname}?expires=${parsed.searchParams.get('expires')}&sig=${sig.slice(0, -2)}${sig.endsWith('A') ? 'BB' : 'AA'}`;
    assert.equal((await fetchBytes(altered)).status, 403);
    const later = `${parsed.pathname}?expires=${Number(parsed.searchParams.get('expires')) + 3600}&sig=${sig}`;
    assert.equal((await fetchBytes(later)).status, 403, 'a link whose expiry was moved');
    const expired = `${parsed.pathname}?expires=1000&sig=${sig}`;
    assert.equal((await fetchBytes(expired)).status, 403);
    const otherVariant = `${parsed.pathname}/thumbnail${parsed.search}`;
    assert.equal((await fetchBytes(otherVariant)).status, 404, 'a non-image has no thumbnail');
  });

  it('members see only attachments from their invitation on; deleting the message makes them unreachable and removes the files', async () => {
    const [owner, late] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    const room = await roomOf(owner);
    const image = await uploaded(owner, room, await png(64, 64), 'early.png');
    const socket = await socketIn(t, owner, room);
    const live = nextEvent(socket, 'message');
    const ack = await request(socket, 'message', { room, msg: 'before you came', attachmentIds: [image.id] });
    assert.ok(ack.ok);
    const { url, thumbnailUrl } = (await live).attachments[0];
    await persisted(ack.data.id);
    assert.equal(
      (await api(t.url, 'POST', `/rooms/${room}/invites`, { token: owner.access_token, body: { userIds: [late.user.id] } })).status,
      201,
    );
    const asLate = await fetchBytes(`/attachments/${image.id}`, { authorization: `Bearer ${late.access_token}` });
    assert.equal(asLate.status, 404, 'sent before the invitation');

    const files = join(t.storageDir, 'attachments', image.id);
    assert.ok(existsSync(files), `stored under ${files}`);
    assert.equal((await api(t.url, 'DELETE', `/messages/${ack.data.id}`, { token: owner.access_token })).status, 204);
    assert.equal((await fetchBytes(url)).status, 404);
    assert.equal((await fetchBytes(thumbnailUrl!)).status, 404);
    await eventually('the deleted message’s files removed', () => Promise.resolve(!existsSync(files) || readdirSync(files).length === 0));
  });

  it('takes a message with attachments and no text at all: no `msg` on the socket, no `content` over REST', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const [first, second] = [
      await uploaded(owner, room, new Uint8Array([1]), 'a.bin'),
      await uploaded(owner, room, new Uint8Array([2]), 'b.bin'),
    ];
    const socket = await socketIn(t, owner, room);
    const live = nextEvent(socket, 'message');
    const ack = await request(socket, 'message', { room, attachmentIds: [first.id] });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.equal((await live).content, '');
    const rest = await api(t.url, 'POST', `/rooms/${room}/messages`, { token: owner.access_token, body: { attachmentIds: [second.id] } });
    assert.equal(rest.status, 202, JSON.stringify(rest.body));
    const bare = await request(socket, 'message', { room });
    assert.equal(!bare.ok && bare.error.code, 'VALIDATION_FAILED', 'neither text nor attachments');
  });

  it('removes uploads never used once they are older than ATTACHMENT_ORPHAN_HOURS, and refuses to attach them', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const fresh = await uploaded(owner, room, new Uint8Array([1, 2, 3]), 'fresh.bin');
    const stale = await uploaded(owner, room, new Uint8Array([4, 5, 6]), 'stale.bin');
    await t.db.query('UPDATE attachments SET created_at = created_at - INTERVAL 25 HOUR WHERE id = ?', [stale.id]);
    await eventually('the stale upload swept', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT id FROM attachments WHERE id IN (?)', [[fresh.id, stale.id]]);
      return rows.length === 1 && rows[0].id === fresh.id;
    });
    assert.ok(!existsSync(join(t.storageDir, 'attachments', stale.id, 'original')));
    assert.ok(existsSync(join(t.storageDir, 'attachments', fresh.id, 'original')));
    const socket = await socketIn(t, owner, room);
    const late = await request(socket, 'message', { room, msg: 'too late', attachmentIds: [stale.id] });
    assert.equal(!late.ok && late.error.code, 'VALIDATION_FAILED');
  });

  it('refuses what is too large at the exact limit, in nginx beyond it, and past the quota; JSON bodies keep their small limit', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const exact = await upload(owner, room, new Uint8Array(MAX_BYTES), 'exact.bin');
    assert.equal(exact.status, 201, JSON.stringify(exact.body));
    const over = await upload(owner, room, new Uint8Array(MAX_BYTES + 1), 'over.bin');
    assert.equal(over.status, 413);
    assert.equal(over.body.code, 'PAYLOAD_TOO_LARGE');
    // Far past the limit: nginx refuses it before a replica reads it, in the API's shape.
    const huge = await upload(owner, room, new Uint8Array(MAX_BYTES * 4), 'huge.bin');
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(huge.body.message ?? '', /upload/i);
    const json = await fetch(`${t.url}/rooms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(json.status, 413);

    // The quota: 1 MiB in all, of which `exact` holds a quarter.
    let refused: Awaited<ReturnType<typeof upload>> | undefined;
    for (let i = 0; i < 5 && !refused; i++) {
      const next = await upload(owner, room, new Uint8Array(MAX_BYTES), `q${i}.bin`);
      if (next.status !== 201) refused = next;
    }
    assert.equal(refused?.status, 413);
    assert.match(refused?.body.message ?? '', /quota/);
    const [[usage]] = await t.db.query<RowDataPacket[]>('SELECT SUM(size) AS bytes FROM attachments WHERE uploader_id = ?', [
      owner.user.id,
    ]);
    assert.ok(Number(usage?.bytes) <= QUOTA_BYTES, `${usage?.bytes} bytes stored`);
  });

  it('refuses malformed uploads cleanly and keeps serving: corrupt images, decompression bombs, huge part names, no file, not multipart', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const header = (await png(8, 8)).subarray(0, 40);
    const corrupt = await upload(owner, room, Buffer.concat([header, Buffer.alloc(500, 7)]), 'broken.png');
    assert.equal(corrupt.status, 400, JSON.stringify(corrupt.body));
    assert.equal(corrupt.body.code, 'VALIDATION_FAILED');
    const bomb = await sharp({ create: { width: 8_000, height: 8_000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    assert.ok(bomb.length < MAX_BYTES, `the bomb is ${bomb.length} bytes`);
    const exploded = await upload(owner, room, bomb, 'bomb.png');
    assert.equal(exploded.status, 400, JSON.stringify(exploded.body));
    assert.equal(exploded.body.code, 'VALIDATION_FAILED');

    const boundary = 'x-boundary';
    const raw = (body: string) =>
      fetch(`${t.url}/rooms/${room}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.access_token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
    const longName = await raw(
      `--${boundary}\r\nContent-Disposition: form-data; name="${'n'.repeat(100_000)}"; filename="a"\r\n\r\nhi\r\n--${boundary}--\r\n`,
    );
    assert.equal(longName.status, 400);
    const noFile = await raw(`--${boundary}\r\nContent-Disposition: form-data; name="other"\r\n\r\nhi\r\n--${boundary}--\r\n`);
    assert.equal(noFile.status, 400);
    const notMultipart = await api<{ code: string }>(t.url, 'POST', `/rooms/${room}/attachments`, {
      token: owner.access_token,
      body: { file: 'x' },
    });
    assert.equal(notMultipart.body.code, 'VALIDATION_FAILED');
    // Refused before its body is read, each one answered, never reset under nginx (a 502): 40 in a row.
    const anonymous = await Promise.all(Array.from({ length: 40 }, () => upload(undefined, room, new Uint8Array(3), 'anon.bin')));
    assert.deepEqual([...new Set(anonymous.map((r) => r.status))], [401]);
    const outsider = await registerUser(t.url);
    assert.equal((await upload(outsider, room, new Uint8Array(3), 'x.bin')).body.code, 'NOT_MEMBER');

    // Still serving.
    assert.equal((await upload(owner, room, await png(10, 10), 'fine.png')).status, 201);
  });

  it('limits uploads per user across replicas with RATE_LIMITED and Retry-After', async () => {
    const owner = await registerUser(t.url);
    const room = await roomOf(owner);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i <= UPLOADS_PER_MINUTE; i++) {
      const answer = await upload(owner, room, new Uint8Array([i]), `n${i}.bin`);
      statuses.push(answer.status);
      if (answer.status === 429) retryAfter = answer.headers.get('retry-after');
    }
    assert.equal(statuses.filter((s) => s === 201).length, UPLOADS_PER_MINUTE);
    assert.equal(statuses.at(-1), 429);
    assert.ok(Number(retryAfter) >= 1, `Retry-After: ${retryAfter}`);
    // Another user is not affected.
    const other = await registerUser(t.url);
    const otherRoom = await roomOf(other);
    assert.equal((await upload(other, otherRoom, new Uint8Array([1]), 'mine.bin')).status, 201);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(t.url, 'GET', '/api-json');
    assert.ok(doc.body.paths['/rooms/{id}/attachments']?.post);
    assert.ok(doc.body.paths['/attachments/{id}']?.get);
    assert.ok(doc.body.paths['/attachments/{id}/thumbnail']?.get);
  });
});

/** The same through the S3 driver, against a real S3-protocol server, with links presigned by the store. */
describe('attachments on S3-compatible storage', { timeout: 180_000 }, () => {
  let s3: S3Server;
  before(async () => {
    s3 = await startS3Server();
  });
  const t = useCluster(() => ({
    gateways: 2,
    env: {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      S3_PRESIGNED_URLS: 'true',
      ATTACHMENT_SWEEP_SECONDS: '1',
    },
  }));
  after(() => s3?.stop());

  it('stores uploads in the bucket, hands out presigned links the store serves, streams ranges itself, and removes deleted files', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner, { isPrivate: true });
    const image = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#0a8' } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('file', new Blob([image]), 'photo.png');
    const response = await fetch(`${t.url}/rooms/${room}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.access_token}` },
      body: form,
    });
    assert.equal(response.status, 201);
    const attachment = (await response.json()) as StoredAttachment;
    assert.ok(
      s3.requests().some((line) => line.startsWith(`PUT /${s3.bucket}/attachments/${attachment.id}/original`)),
      'stored in the bucket',
    );

    const { socket } = await t.connect(owner.access_token);
    assert.ok((await request(socket, 'join_room', room)).ok);
    const live = nextEvent(socket, 'message');
    const ack = await request(socket, 'message', { room, msg: 'from the bucket', attachmentIds: [attachment.id] });
    assert.ok(ack.ok, JSON.stringify(ack));
    const [shown] = (await live).attachments;
    assert.ok(shown.url.startsWith(`${s3.endpoint}/${s3.bucket}/`), shown.url);
    const direct = await fetch(shown.url);
    assert.equal(direct.status, 200);
    assert.equal(direct.headers.get('content-type'), 'image/png');
    assert.match(direct.headers.get('content-disposition') ?? '', /^inline/);
    const thumbnail = await fetch(shown.thumbnailUrl ?? assert.fail('no thumbnail link'));
    assert.equal(thumbnail.headers.get('content-type'), 'image/webp');

    const ranged = await fetch(`${t.url}/attachments/${attachment.id}`, {
      headers: { authorization: `Bearer ${owner.access_token}`, range: 'bytes=1-8' },
    });
    assert.equal(ranged.status, 206);
    assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), new Uint8Array(image.subarray(1, 9)));

    await eventually('persisted', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT 1 FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length === 1;
    });
    assert.equal((await api(t.url, 'DELETE', `/messages/${ack.data.id}`, { token: owner.access_token })).status, 204);
    await eventually('the objects deleted from the bucket', async () => (await fetch(shown.url)).status === 404);
  });
});
