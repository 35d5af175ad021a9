import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, chromium, type Locator, type Page, type WebSocketRoute } from 'playwright-core';
import type { Session } from '@chat/contracts';
import { api, createRoom, postWhenAllowed, registerUser } from './support/clients';
import { CHROMIUM, visible, WAIT_MS } from './support/browser';
import { useCluster } from './support/fixture';

const shots = join(tmpdir(), 'chat-web-e2e');

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await visible(page.getByRole('heading', { name: 'Your rooms' }));
}

/** A room's entry in the "Your rooms" list (the directory may list the same room). */
function myRoom(page: Page, name: string): Locator {
  return page.getByRole('region', { name: 'Your rooms' }).getByRole('button', { name: new RegExp(name) });
}

/** The signed-in user's id, as the page tells it (so others can invite them). */
async function ownUserId(page: Page): Promise<number> {
  const hint = await visible(page.getByText(/Your own id is #\d+/));
  const id = /#(\d+)/.exec((await hint.textContent()) ?? '')?.[1];
  assert.ok(id, 'the page shows the user id');
  return Number(id);
}

/**
 * The web client as people use it: two browsers (headless Chromium) against the real cluster
 * through nginx, which serves the app at `/` and routes its REST calls and Socket.IO to two
 * gateway replicas.
 */
describe('web client in a browser', { timeout: 240_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(shots, { recursive: true });
    browser = t.track(await chromium.launch({ executablePath: CHROMIUM }));
  });

  /** A fresh browser profile on the app; `session` starts it signed in (as the sign-in screen would leave it). */
  async function openApp(session?: Session, beforeLoad?: (page: Page) => Promise<void>): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    if (session) {
      // Once per tab, so a logout followed by a reload stays logged out. A script string: this
      // file is compiled without the DOM's types.
      const value = JSON.stringify(JSON.stringify(session));
      await page.addInitScript({
        content: `if (!sessionStorage.getItem('e2e.seeded')) { sessionStorage.setItem('e2e.seeded', '1'); localStorage.setItem('chat.session', ${value}); }`,
      });
    }
    await beforeLoad?.(page);
    await page.goto(t.url);
    return page;
  }

  it('serves the app at / and its assets, and leaves the API routes to the gateways', async () => {
    const index = await fetch(`${t.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html loads a bundled script');
    const asset = await fetch(`${t.url}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);

    const rooms = await fetch(`${t.url}/rooms`);
    assert.equal(rooms.status, 401, 'GET /rooms is the API, not the app');
    assert.equal(((await rooms.json()) as { code: string }).code, 'UNAUTHORIZED');
    assert.equal((await fetch(`${t.url}/health/live`)).status, 200);
  });

  it('lets two people chat: invite, live messages, typing, delete, history after reload, logout', async () => {
    const [alice, bob] = await Promise.all([openApp(), openApp()]);
    const nickname = `alice${Date.now() % 100_000}`;
    const roomName = `Web room ${Date.now() % 100_000}`;

    // Alice registers in the UI; Bob signs in with a demo account.
    await visible(alice.getByRole('heading', { name: 'Sign in' }));
    await screenshot(alice, '1-sign-in');
    await alice.getByRole('button', { name: 'Create an account' }).click();
    await alice.getByLabel('Email').fill(`${nickname}@example.test`);
    await alice.getByLabel('Password').fill('correct horse battery');
    await alice.getByLabel('Nickname', { exact: true }).fill(nickname);
    await alice.getByRole('button', { name: 'Create account' }).click();
    await visible(alice.getByRole('heading', { name: 'Your rooms' }));
    await signIn(bob, 'postman1@test.com', '1234');
    const bobId = await ownUserId(bob);

    // Alice creates a private room inviting Bob, and writes before Bob opens it.
    await alice.getByLabel('Room name (optional)').fill(roomName);
    await alice.getByLabel(/^Private/).check();
    await alice.getByLabel('Invite user ids (optional)').fill(String(bobId));
    await alice.getByRole('button', { name: 'Create room' }).click();
    await visible(alice.getByRole('heading', { name: roomName }));
    const aliceLog = alice.getByRole('log', { name: 'Messages' });
    await visible(aliceLog.getByText(`${nickname} invited postman1`));
    await alice.getByRole('textbox', { name: 'Message' }).fill('Welcome, Bob');
    await alice.getByRole('textbox', { name: 'Message' }).press('Enter');
    await visible(aliceLog.getByRole('listitem').filter({ hasText: 'Welcome, Bob' }).getByText('Sent'));

    // Bob's list shows the room with its last message and one unread message, live.
    const roomButton = await visible(myRoom(bob, roomName));
    await visible(roomButton.getByText('Welcome, Bob'));
    assert.match((await roomButton.textContent()) ?? '', /1 unread/);
    await screenshot(bob, '2-room-list');
    await roomButton.click();
    await visible(bob.getByRole('heading', { name: roomName }));
    const bobLog = bob.getByRole('log', { name: 'Messages' });
    await visible(bobLog.getByText('Welcome, Bob'));
    // Both are online in the room's member list.
    const online = (page: Page, who: string) =>
      page
        .getByRole('complementary')
        .getByRole('listitem')
        .filter({ hasText: who })
        .filter({ hasText: /, online/ });
    await visible(online(alice, 'postman1'));
    await visible(online(bob, nickname));

    // A live message, acknowledged on Alice's side and delivered to Bob's.
    await alice.getByRole('textbox', { name: 'Message' }).fill('Is this live?');
    await alice.getByRole('textbox', { name: 'Message' }).press('Enter');
    await visible(bobLog.getByText('Is this live?'));
    await visible(aliceLog.getByRole('listitem').filter({ hasText: 'Is this live?' }).getByText('Sent'));

    // Bob types; Alice sees it.
    await bob.getByRole('textbox', { name: 'Message' }).pressSequentially('Yes it', { delay: 30 });
    await visible(alice.getByText('postman1 is typing…'));
    await screenshot(alice, '3-chat-typing');
    await bob.getByRole('textbox', { name: 'Message' }).press('Enter');
    await visible(aliceLog.getByText('Yes it'));
    await screenshot(bob, '4-chat-other-side');

    // Alice deletes her message (after confirming); it disappears for Bob.
    await alice.getByRole('button', { name: 'Delete message: Is this live?' }).click();
    await alice.getByRole('button', { name: 'Yes, delete' }).click();
    await bobLog.getByText('Is this live?').waitFor({ state: 'detached', timeout: WAIT_MS });
    await aliceLog.getByText('Is this live?').waitFor({ state: 'detached', timeout: WAIT_MS });

    // After a reload Bob is still signed in, back in the room, and sees its history without the deleted message.
    await bob.reload();
    await visible(bob.getByRole('heading', { name: roomName }));
    await visible(bobLog.getByText('Yes it'));
    await visible(bobLog.getByText('Welcome, Bob'));
    assert.equal(await bobLog.getByText('Is this live?').count(), 0);

    // Logging out returns to sign-in, for good: a reload does not bring the session back.
    await bob.getByRole('button', { name: 'Log out' }).click();
    await visible(bob.getByRole('heading', { name: 'Sign in' }));
    await bob.reload();
    await visible(bob.getByRole('heading', { name: 'Sign in' }));
    await alice.getByRole('button', { name: '← Rooms' }).click();
    await visible(alice.getByRole('heading', { name: 'Your rooms' }));
    await alice.getByRole('button', { name: 'Log out' }).click();
    await visible(alice.getByRole('heading', { name: 'Sign in' }));
    await screenshot(alice, '5-signed-out');

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('lets a guest join a public room from the directory and shows API errors readably', async () => {
    const page = await openApp();
    await page.getByLabel('Email').fill('postman1@test.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await visible(page.getByRole('alert'));
    assert.match((await page.getByRole('alert').textContent()) ?? '', /password/i);

    await page.getByLabel('Guest nickname (optional)').fill('visitor');
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await visible(page.getByRole('heading', { name: 'Your rooms' }));
    await visible(page.getByText('guest ·'));
    await page.getByLabel('Search public rooms').fill('Web room');
    await visible(page.getByText('No public rooms match.'));
    await page.getByLabel('Search public rooms').fill('');
    const join = await visible(page.getByRole('button', { name: /^Join / }));
    await screenshot(page, '6-guest-directory');
    await join.first().click();
    await visible(page.getByRole('log', { name: 'Messages' }).getByText('visitor joined'));
    await page.getByRole('textbox', { name: 'Message' }).fill('hello from a guest');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await visible(
      page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'hello from a guest' }).getByText('Sent'),
    );
    await screenshot(page, '7-guest-chat');
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('pages back through history when scrolled to the top', async () => {
    const owner = await registerUser(t.url);
    const roomId = await createRoom(t.url, owner, { name: 'Long history' });
    for (let i = 1; i <= 60; i++) await postWhenAllowed(t.url, owner, roomId, `history ${i}`);

    const page = await openApp(owner);
    await myRoom(page, 'Long history').click();
    const log = page.getByRole('log', { name: 'Messages' });
    await visible(log.getByText('history 60', { exact: true }));
    assert.equal(await log.getByText('history 10', { exact: true }).count(), 0, 'the first page holds the newest 50');
    await page.locator('.messages').evaluate((list: { scrollTop: number }) => (list.scrollTop = 0));
    await visible(log.getByText('history 1', { exact: true }));
    await visible(page.getByText('This is the start of the conversation.'));
    assert.equal(await log.getByRole('listitem').count(), 60);
  });

  it('catches up on what was said while its connection was down', async () => {
    const listener = await registerUser(t.url);
    const speaker = await registerUser(t.url);
    const roomId = await createRoom(t.url, speaker, { name: 'Flaky network', invitedUserIds: [listener.user.id] });

    // The page's Socket.IO traffic passes through routes the test can cut, as a network loss would.
    let cut = false;
    const sockets: WebSocketRoute[] = [];
    const page = await openApp(listener, async (p) => {
      await p.route('**/socket.io/**', (route) => (cut ? route.abort() : route.continue()));
      await p.routeWebSocket('**/socket.io/**', (ws) => {
        if (cut) return ws.close();
        ws.connectToServer();
        sockets.push(ws);
      });
    });
    await myRoom(page, 'Flaky network').click();
    const log = page.getByRole('log', { name: 'Messages' });
    await visible(log.getByText(`${speaker.user.nickname} invited`));
    await visible(page.getByText(/^Connected/));

    cut = true;
    await Promise.all(sockets.map((ws) => ws.close()));
    await visible(page.getByText('Offline, reconnecting…'));
    await postWhenAllowed(t.url, speaker, roomId, 'said while you were away');
    await sleep(1_000);
    assert.equal(await log.getByText('said while you were away').count(), 0, 'nothing arrives while cut off');

    cut = false;
    await visible(page.getByText(/^Connected/), 20_000);
    await visible(log.getByText('said while you were away'));
    await postWhenAllowed(t.url, speaker, roomId, 'and live again');
    await visible(log.getByText('and live again'));
  });

  it('shows a refused send and its exception, and returns to the list when removed from the room', async () => {
    const member = await registerUser(t.url);
    const owner = await registerUser(t.url);
    const roomId = await createRoom(t.url, owner, { name: 'Moderated', invitedUserIds: [member.user.id] });
    const moderate = async (method: string, path: string, body?: unknown) => {
      const { status } = await api(t.url, method, `/rooms/${roomId}/members/${member.user.id}${path}`, { token: owner.access_token, body });
      assert.ok(status < 300, `${method} ${path}: ${status}`);
    };

    const page = await openApp(member);
    await myRoom(page, 'Moderated').click();
    await visible(page.getByRole('heading', { name: 'Moderated' }));
    await visible(page.getByText(/^Connected/));
    await moderate('PATCH', '', { muted: true });
    await page.getByRole('textbox', { name: 'Message' }).fill('can anyone hear me');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    const refused = page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'can anyone hear me' });
    await visible(refused.getByText('Not sent'));
    await visible(refused.getByRole('button', { name: 'Retry' }));
    await visible(page.getByRole('alert').filter({ hasText: /muted/i }));
    await screenshot(page, '8-refused-send');

    await moderate('DELETE', '');
    await visible(page.getByRole('heading', { name: 'Your rooms' }));
    await visible(page.getByRole('status').filter({ hasText: 'You were removed from the room' }));
    await screenshot(page, '9-removed');
  });

  it('gives a site admin a way into the dead-letter UI, and nobody else', async () => {
    const member = await openApp(await registerUser(t.url));
    await visible(member.getByRole('button', { name: 'Log out' }));
    assert.equal(await member.getByRole('button', { name: 'Dead letters' }).count(), 0);

    const { body: admin } = await api<Session>(t.url, 'POST', '/auth/login', { body: { email: 'admin@test.com', password: '1234' } });
    const page = await openApp(admin);
    const [board] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('button', { name: 'Dead letters' }).click()]);
    await board.waitForURL(/\/admin\/queues/);
    await visible(board.getByText('Dead letters').first());
    await screenshot(board, '10-dead-letters');
    // The cookie that let the tab in goes to the board only, and scripts cannot read it.
    assert.deepEqual(
      (await page.context().cookies(t.url)).map((c) => c.name),
      [],
      'nothing the app itself is sent',
    );
    const cookies = await page.context().cookies(`${t.url}/admin/queues`);
    const cookie = cookies.find((c) => c.name === 'chat_admin');
    assert.ok(cookie && cookie.httpOnly && cookie.path === '/admin/queues' && cookie.sameSite === 'Strict', JSON.stringify(cookies));
  });
});
