import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import type { ChatMessage, Session } from '@chat/contracts';
import { CHROMIUM, signedInPage, visible, WAIT_MS } from './support/browser';
import { api, createRoom, postWhenAllowed, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

// Small, so the oversized files stay small too; the images fit well under it.
const MAX_BYTES = 2 * 1024 * 1024;
const shots = join(tmpdir(), 'chat-web-attachments-e2e');

// --- PNGs built here: noise, so they do not compress and an upload takes measurable time. ---

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of random pixels. */
function noisePng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, truecolour, no interlace
  const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), randomBytes(width * 3)])));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

// --- Page helpers ---

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** Waits until the <img> has really loaded (not just been laid out) and returns its natural width. */
async function loadedWidth(img: Locator): Promise<number> {
  await visible(img);
  return eventually(
    'the image to load',
    async () => {
      const width = await img.evaluate((el: { complete: boolean; naturalWidth: number }) => (el.complete ? el.naturalWidth : 0));
      return width > 0 ? width : undefined;
    },
    WAIT_MS,
  );
}

/** A room's entry in the "Your rooms" list. */
function myRoom(page: Page, name: string): Locator {
  return page.getByRole('region', { name: 'Your rooms' }).getByRole('button', { name: new RegExp(name) });
}

/** One file in the composer's list of files to send. */
function pendingFile(page: Page, name: string): Locator {
  return page.getByRole('list', { name: 'Files to send' }).getByRole('listitem').filter({ hasText: name });
}

/** Picks files with the composer's attach button, as a person would (through the file chooser). */
async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Attach files' }).click()]);
  assert.ok(chooser.isMultiple(), 'several files can be picked at once');
  await chooser.setFiles(files);
}

/** A script that puts `bytes` in a DataTransfer as a file named `name`, then runs `use` on it. */
function withFile(name: string, bytes: Buffer, use: string): string {
  return `(() => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], ${JSON.stringify(name)}, { type: 'image/png' }));
    ${use}
  })()`;
}

/**
 * Files and images in the web client, and message search, in headless Chromium against the real
 * cluster: uploads with progress, inline thumbnails and the full image, download chips, paste and
 * drop, the upload limit's message, and search results opening the message in its room.
 */
describe('web client: attachments and search', { timeout: 300_000 }, () => {
  let storage = '';
  const t = useCluster(() => {
    storage = mkdtempSync(join(tmpdir(), 'chat-web-attachments-'));
    return { gateways: 2, env: { ATTACHMENT_MAX_BYTES: String(MAX_BYTES), STORAGE_DIR: storage } };
  });
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(shots, { recursive: true });
    browser = t.track(await chromium.launch({ executablePath: CHROMIUM }));
  });
  after(() => rmSync(storage, { recursive: true, force: true }));

  /** A fresh browser profile on the app, signed in as `session`. */
  const openApp = (session: Session): Promise<Page> =>
    signedInPage(browser, t.url, session, { viewport: { width: 1200, height: 800 }, acceptDownloads: true, pageErrors });

  async function openRoom(page: Page, name: string): Promise<Locator> {
    await visible(myRoom(page, name));
    await myRoom(page, name).click();
    await visible(page.getByRole('heading', { name }));
    await visible(page.getByText(/^Connected/));
    return page.getByRole('log', { name: 'Messages' });
  }

  /** Two people in a private room, each with the room open. */
  async function pair(roomName: string) {
    const [aliceSession, bobSession] = await Promise.all([registerUser(t.url), registerUser(t.url)]);
    await createRoom(t.url, aliceSession, { name: roomName, isPrivate: true, invitedUserIds: [bobSession.user.id] });
    const [alice, bob] = await Promise.all([openApp(aliceSession), openApp(bobSession)]);
    const [aliceLog, bobLog] = await Promise.all([openRoom(alice, roomName), openRoom(bob, roomName)]);
    return { alice, bob, aliceLog, bobLog, aliceSession, bobSession };
  }

  it('sends an image picked with the attach button: progress, preview, inline thumbnail, full image', async () => {
    const { alice, bob, aliceLog, bobLog } = await pair('Photo room');
    const photo = noisePng(800, 600);

    // A slow uplink, so the upload is seen under way.
    const cdp = await alice.context().newCDPSession(alice);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 400 * 1024,
    });
    await attach(alice, [{ name: 'noise.png', mimeType: 'image/png', buffer: photo }]);
    const item = pendingFile(alice, 'noise.png');
    await visible(item.getByRole('progressbar', { name: 'Uploading noise.png' }));
    // alt="": the name is written beside it.
    const preview = item.locator('img.preview');
    const previewUrl = (await preview.getAttribute('src')) ?? '';
    assert.match(previewUrl, /^blob:/, 'the preview is read from the file itself');
    assert.match((await item.textContent()) ?? '', /noise\.png.*(1\.\d|[1-9]\d*) ?MB/s, 'name and size are shown');
    await screenshot(alice, '1-uploading');
    await visible(item.getByText('Uploaded'), 30_000);
    assert.equal(await item.getByRole('progressbar').count(), 0, 'the progress bar is done');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    await alice.getByRole('textbox', { name: 'Message' }).fill('Look at this');
    await alice.getByRole('textbox', { name: 'Message' }).press('Enter');
    await visible(aliceLog.getByRole('listitem').filter({ hasText: 'Look at this' }).getByText('Sent'));
    assert.equal(await alice.getByRole('list', { name: 'Files to send' }).count(), 0, 'the composer is cleared');
    const revoked = await alice.evaluate(`fetch(${JSON.stringify(previewUrl)}).then(() => false, () => true)`);
    assert.equal(revoked, true, "the preview's object URL is revoked once sent");

    // Bob sees the thumbnail inline, in the image's proportions, and it loads.
    const message = bobLog.getByRole('listitem').filter({ hasText: 'Look at this' });
    const thumbnail = message.getByRole('button', { name: 'Open image noise.png' });
    const thumb = thumbnail.locator('img');
    assert.equal(await thumb.getAttribute('alt'), 'noise.png');
    assert.ok((await loadedWidth(thumb)) > 0);
    const box = await thumb.boundingBox();
    assert.ok(box, 'the thumbnail is laid out');
    assert.ok(Math.abs(box.width / box.height - 800 / 600) < 0.02, `4:3 like the image (${box.width}×${box.height})`);
    assert.deepEqual([await thumb.getAttribute('width'), await thumb.getAttribute('height')], ['240', '180'], 'sized before it loads');
    await screenshot(bob, '2-thumbnail');

    // Clicking opens the full image in a dialog; Escape closes it.
    await thumbnail.click();
    const viewer = await visible(bob.getByRole('dialog', { name: 'noise.png' }));
    const full = viewer.getByRole('img', { name: 'noise.png' });
    assert.equal(await loadedWidth(full), 800, 'the original, not the thumbnail');
    assert.notEqual(await full.getAttribute('src'), await thumb.getAttribute('src'));
    await screenshot(bob, '3-full-image');
    await bob.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('sends a file as a download chip, and images pasted and dropped, without text', async () => {
    const { alice, bob, aliceLog, bobLog } = await pair('Files room');
    const notes = Buffer.from('meeting notes\nline two\n');
    await attach(alice, [{ name: 'notes.txt', mimeType: 'text/plain', buffer: notes }]);
    await visible(pendingFile(alice, 'notes.txt').getByText('Uploaded'));
    const send = alice.getByRole('button', { name: 'Send' });
    assert.equal(await send.isEnabled(), true, 'an uploaded file alone can be sent');
    await send.click();

    const chip = await visible(bobLog.getByRole('link', { name: /^Download notes\.txt, \d+ B$/ }));
    assert.equal(await chip.getAttribute('download'), 'notes.txt');
    const fileMessage = bobLog.locator('li.message').filter({ has: chip });
    assert.equal(await fileMessage.locator('.content').count(), 0, 'no empty text bubble');
    const [download] = await Promise.all([bob.waitForEvent('download'), chip.click()]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    assert.deepEqual(readFileSync(await download.path()), notes);

    // A pasted screenshot and a dropped image go out together.
    await alice.getByRole('textbox', { name: 'Message' }).focus();
    await alice.evaluate(
      withFile(
        'pasted.png',
        noisePng(64, 48),
        `document.getElementById('composer-text').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));`,
      ),
    );
    await visible(pendingFile(alice, 'pasted.png').getByText('Uploaded'));
    await alice.evaluate(
      withFile(
        'dropped.png',
        noisePng(48, 64),
        `const room = document.querySelector('main.chat');
         for (const type of ['dragenter', 'dragover', 'drop']) room.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));`,
      ),
    );
    await visible(pendingFile(alice, 'dropped.png').getByText('Uploaded'));
    assert.equal(await pendingFile(alice, 'pasted.png').locator('img.preview').count(), 1, 'a pasted image has a preview');
    await alice.getByRole('textbox', { name: 'Message' }).press('Enter');
    const pictures = bobLog.locator('li.message').filter({ has: bob.getByRole('button', { name: 'Open image pasted.png' }) });
    await visible(pictures);
    for (const name of ['pasted.png', 'dropped.png'])
      assert.ok((await loadedWidth(pictures.getByRole('button', { name: `Open image ${name}` }).locator('img'))) > 0);
    assert.equal(await pictures.locator('.content').count(), 0, 'no empty text bubble');
    await visible(aliceLog.getByRole('button', { name: 'Open image dropped.png' }));
    await screenshot(bob, '4-files-and-pasted');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('says what the upload limit is when a file is over it', async () => {
    const owner = await registerUser(t.url);
    await createRoom(t.url, owner, { name: 'Limits room' });
    const page = await openApp(owner);
    await openRoom(page, 'Limits room');
    // Just over the limit (refused by the gateway as it reads) and far over it (refused by nginx from Content-Length).
    await attach(page, [
      { name: 'just-over.bin', mimeType: 'application/octet-stream', buffer: randomBytes(MAX_BYTES + 1) },
      { name: 'far-over.bin', mimeType: 'application/octet-stream', buffer: randomBytes(MAX_BYTES + 512 * 1024) },
    ]);
    for (const name of ['just-over.bin', 'far-over.bin']) {
      const alert = await visible(pendingFile(page, name).getByRole('alert'));
      assert.match((await alert.textContent()) ?? '', /too large.*\b2 (MB|MiB)\b/i, `${name}: the limit is named`);
    }
    assert.equal(await page.getByRole('button', { name: 'Send' }).isEnabled(), false, 'nothing to send');
    await screenshot(page, '5-too-large');
    await page.getByRole('button', { name: 'Remove far-over.bin' }).click();
    await page.getByRole('button', { name: 'Remove just-over.bin' }).click();
    assert.equal(await page.getByRole('list', { name: 'Files to send' }).count(), 0);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('finds a Korean substring in a room and across rooms, and opens the message in context', async () => {
    const author = await registerUser(t.url);
    const reader = await registerUser(t.url);
    const invited = { invitedUserIds: [reader.user.id] };
    const hello = await createRoom(t.url, author, { name: 'Seoul office', ...invited });
    const other = await createRoom(t.url, author, { name: 'Busan office', ...invited });
    await postWhenAllowed(t.url, author, hello, '안녕하세요 여러분');
    // Enough after it that the room opens far below it.
    for (let i = 1; i <= 60; i++) await postWhenAllowed(t.url, author, hello, `filler ${i}`);
    await postWhenAllowed(t.url, author, other, '안녕히 가세요');
    await eventually(
      'both messages to be searchable',
      async () => {
        const { status, body } = await api<{ messages: ChatMessage[] }>(t.url, 'GET', `/search/messages?q=${encodeURIComponent('안녕')}`, {
          token: reader.access_token,
        });
        assert.equal(status, 200, `GET /search/messages: ${status}`);
        return body.messages.length >= 2;
      },
      WAIT_MS,
    );

    const page = await openApp(reader);
    let log = await openRoom(page, 'Seoul office');
    await visible(log.getByText('filler 60', { exact: true }));
    assert.equal(await log.getByText('안녕하세요 여러분').count(), 0, 'the message is not on the first page');

    // In the room: one result, the typed text marked.
    await page.getByRole('searchbox', { name: 'Search this room' }).fill('안녕');
    const results = page.getByRole('region', { name: 'Search results' });
    const result = await visible(results.getByRole('button', { name: /안녕하세요 여러분/ }));
    assert.equal(await results.getByRole('button', { name: /안녕/ }).count(), 1, 'only this room');
    assert.equal(await result.locator('mark').textContent(), '안녕');
    assert.match((await result.textContent()) ?? '', new RegExp(`Seoul office.*${author.user.nickname}`));
    await screenshot(page, '6-room-search');
    await result.click();
    const focused = log.getByRole('listitem').filter({ hasText: '안녕하세요 여러분' });
    await visible(focused);
    assert.match((await focused.getAttribute('class')) ?? '', /\bfocused\b/, 'highlighted');
    assert.equal(
      await focused.evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement),
      true,
      'focus moves to it',
    );
    assert.ok(await isInView(page, focused), 'scrolled into view');
    await screenshot(page, '7-in-context');

    // Paging on from there joins up with the live end.
    await page.getByRole('button', { name: 'Load newer messages' }).click();
    await visible(log.getByText('filler 60', { exact: true }));
    await page.getByRole('button', { name: 'Load newer messages' }).waitFor({ state: 'detached' });
    await postWhenAllowed(t.url, author, hello, 'live again');
    await visible(log.getByText('live again'));

    // Across rooms, from the room list: both rooms' messages, newest first; picked with the keyboard, one opens its room there.
    await page.getByRole('button', { name: '← Rooms' }).click();
    await visible(page.getByRole('heading', { name: 'Your rooms' }));
    const searchAll = page.getByRole('searchbox', { name: 'Search all rooms' });
    await searchAll.fill('안녕');
    await visible(results.getByRole('button', { name: /Busan office.*안녕히 가세요/ }));
    await visible(results.getByRole('button', { name: /Seoul office.*안녕하세요 여러분/ }));
    await screenshot(page, '8-search-all');
    await searchAll.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: 'Seoul office' }));
    log = page.getByRole('log', { name: 'Messages' });
    const opened = log.getByRole('listitem').filter({ hasText: '안녕하세요 여러분' });
    await visible(opened);
    assert.match((await opened.getAttribute('class')) ?? '', /\bfocused\b/, 'highlighted in its room');
    assert.ok(await isInView(page, opened), 'scrolled into view');
    assert.equal(await results.count(), 0, 'the results close once one is picked');

    // A reply written while reading the past goes to the end, which is shown again.
    await page.getByRole('textbox', { name: 'Message' }).fill('반가워요');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await visible(log.getByRole('listitem').filter({ hasText: '반가워요' }).getByText('Sent'));
    await visible(log.getByText('live again'));
    assert.equal(await page.getByRole('button', { name: 'Load newer messages' }).count(), 0, 'back at the live end');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });
});

/** Whether `item` lies within the visible part of the message list. */
async function isInView(page: Page, item: Locator): Promise<boolean> {
  const [box, list] = await Promise.all([item.boundingBox(), page.locator('.messages').boundingBox()]);
  return !!box && !!list && box.y >= list.y && box.y + box.height <= list.y + list.height;
}
