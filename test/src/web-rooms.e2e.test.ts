import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import type { Session } from '@chat/contracts';
import { postWhenAllowed, registerUser, request, socketIn } from './support/clients';
import { CHROMIUM, WAIT_MS } from './support/browser';
import { useCluster } from './support/fixture';
import { repoRoot } from './support/test-cluster';

const PASSWORD = 'correct horse battery';
const shots = join(repoRoot, 'docs/screenshots');

/** Records every desktop notification the page creates instead of showing it (a script string: no DOM types here). */
const NOTIFICATION_SPY = `
  window.__notifications = [];
  const Real = window.Notification;
  window.Notification = class {
    static get permission() { return Real.permission; }
    static requestPermission() { return Real.requestPermission(); }
    constructor(title, options = {}) { window.__notifications.push({ title, body: options.body, tag: options.tag }); }
    close() {}
  };
`;

interface Shown {
  title: string;
  body?: string;
  tag?: string;
}

/** Saves the page as docs/screenshots/<name>.png, when asked to (UPDATE_SCREENSHOTS=1). */
async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** axe-core's serious and critical findings on the page (or the part of it `include` selects), one line each. */
async function accessibilityProblems(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  if (include) builder.include(include);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** A room's entry in the "Your rooms" list (the directory may list the same room). */
function myRoom(page: Page, name: string): Locator {
  return page.getByRole('region', { name: 'Your rooms' }).getByRole('button', { name: new RegExp(name) });
}

/** A member's line in the room's member list. */
function memberLine(page: Page, nickname: string): Locator {
  return page.getByRole('complementary').getByRole('listitem').filter({ hasText: nickname });
}

function tabTitle(page: Page, title: string): Promise<unknown> {
  return page.waitForFunction(`document.title === ${JSON.stringify(title)}`, undefined, { timeout: WAIT_MS });
}

function notifications(page: Page): Promise<Shown[]> {
  return page.evaluate<Shown[]>('window.__notifications');
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
}

/**
 * The room list, room administration and the browser session, as two people use them: Ann and
 * Bo in two browsers (headless Chromium) against the real cluster through nginx, Bo with two tabs.
 * Nothing polls: every change reaches the other side by an event.
 */
describe('rooms, administration and sessions in a browser', { timeout: 300_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let browser: Browser;
  const pageErrors: string[] = [];
  let ann: Session;
  let bo: Session;
  let annPage: Page;
  let boContext: BrowserContext;
  /** Bo's two tabs. */
  let bo1: Page;
  let bo2: Page;
  let roomId: number;
  const roomName = `Team ${Date.now() % 100_000}`;
  const renamed = `${roomName} renamed`;

  before(async () => {
    browser = t.track(await chromium.launch({ executablePath: CHROMIUM }));
    [ann, bo] = await Promise.all([registerUser(t.url, `ann${Date.now() % 100_000}`), registerUser(t.url, `bo${Date.now() % 100_000}`)]);
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    await context.grantPermissions(['notifications'], { origin: t.url });
    await context.addInitScript({ content: NOTIFICATION_SPY });
    return context;
  }

  async function newPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(t.url);
    return page;
  }

  it('signs in once for the whole browser: a second tab is signed in too', async () => {
    boContext = await newContext();
    bo1 = await newPage(boContext);
    await bo1.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await accessibilityProblems(bo1), [], 'sign-in screen');
    await screenshot(bo1, 'sign-in');
    await bo1.getByLabel('Email').fill(bo.user.email ?? '');
    await bo1.getByLabel('Password').fill(PASSWORD);
    await bo1.getByRole('button', { name: 'Sign in', exact: true }).click();
    await bo1.getByRole('heading', { name: 'Your rooms' }).waitFor();

    bo2 = await newPage(boContext);
    await bo2.getByRole('heading', { name: 'Your rooms' }).waitFor();
    await bo2.getByText(bo.user.nickname, { exact: true }).waitFor();

    // Ann's browser starts signed in, as her own sign-in would have left it.
    const annContext = await newContext();
    annPage = await newPage(annContext);
    await annPage.evaluate(`localStorage.setItem('chat.session', ${JSON.stringify(JSON.stringify(ann))})`);
    await annPage.reload();
    await annPage.getByRole('heading', { name: 'Your rooms' }).waitFor();
  });

  it('shows an invitation, unread messages, mentions and notifications live', async () => {
    await annPage.getByLabel('Room name (optional)').fill(roomName);
    await annPage.getByLabel('Invite user ids (optional)').fill(String(bo.user.id));
    await annPage.getByRole('button', { name: 'Create room' }).click();
    await annPage.getByRole('heading', { name: roomName }).waitFor();
    roomId = Number(/#\/rooms\/(\d+)/.exec(annPage.url())?.[1]);

    // The room appears in both of Bo's tabs without a reload.
    await Promise.all([bo1, bo2].map((page) => myRoom(page, roomName).waitFor()));

    await send(annPage, 'Hello Bo');
    const entry = myRoom(bo1, roomName);
    await entry.getByText('Hello Bo').waitFor();
    await entry.getByText('1 unread').waitFor();
    await tabTitle(bo1, '(1) Chat');

    // A mention (sent from a socket of Ann's: what the composer offers is the room view's business).
    const annSocket = await socketIn(t, ann, roomId);
    const mentioned = await request(annSocket, 'message', { room: roomId, msg: `@${bo.user.nickname} look`, mentions: [bo.user.id] });
    assert.ok(mentioned.ok, JSON.stringify(mentioned));
    await entry.getByText('@1').waitFor();
    await entry.getByText('2 unread').waitFor();
    await tabTitle(bo1, '(2) Chat');
    await myRoom(bo2, roomName).getByText('@1').waitFor();

    await bo1.waitForFunction('window.__notifications.some((n) => n.title.includes("mentioned you"))', undefined, { timeout: WAIT_MS });
    const shown = await notifications(bo1);
    assert.deepEqual(
      shown.map((n) => n.title),
      [`${ann.user.nickname} in ${roomName}`, `${ann.user.nickname} mentioned you`],
      'one notification per message, the mention told as one',
    );
    assert.equal(shown[0].body, 'Hello Bo');
    assert.equal((await notifications(annPage)).length, 0, 'nobody is notified of their own messages');

    assert.deepEqual(await accessibilityProblems(bo1), [], 'room list');
    await screenshot(bo1, 'rooms');
  });

  it('clears the badges in every tab once the room is read in one', async () => {
    await myRoom(bo1, roomName).click();
    await bo1.getByRole('heading', { name: roomName }).waitFor();
    // The other tab hears of the read marker (read_marker) and counts nothing left.
    const other = myRoom(bo2, roomName);
    await other.getByText(/unread/).waitFor({ state: 'detached' });
    await other.getByText('@1').waitFor({ state: 'detached' });
    await tabTitle(bo2, 'Chat');
  });

  it('starts a direct conversation with someone picked among the people I share a room with', async () => {
    await bo2.getByLabel('Find someone you share a room with').fill(ann.user.nickname.slice(0, 4));
    const message = bo2.getByRole('button', { name: `Message ${ann.user.nickname}` });
    await message.waitFor();
    assert.deepEqual(await accessibilityProblems(bo2), [], 'room list with the contacts picker');
    await message.click();
    await bo2.getByRole('heading', { name: new RegExp(ann.user.nickname) }).waitFor();
    const directId = Number(/#\/rooms\/(\d+)/.exec(bo2.url())?.[1]);
    assert.ok(directId > 0, 'the conversation is open');
    await bo2.getByRole('button', { name: '← Rooms' }).click();
    const direct = myRoom(bo2, ann.user.nickname);
    await direct.waitFor();
    // Closing the room does not stop its news: the list still hears of its messages.
    await postWhenAllowed(t.url, ann, directId, 'Hi from Ann');
    await direct.getByText('Hi from Ann').waitFor();
    await direct.getByText('1 unread').waitFor();
  });

  it('renames the room, and moderates a member, live for them', async () => {
    await annPage.getByRole('button', { name: 'Room settings' }).click();
    const settings = annPage.getByRole('dialog', { name: 'Room settings' });
    await settings.waitFor();
    assert.deepEqual(await accessibilityProblems(annPage, 'dialog'), [], 'room settings');
    await settings.getByLabel('Room name').fill(renamed);
    await settings.getByRole('button', { name: 'Rename' }).click();
    await myRoom(bo2, renamed).waitFor();
    // Bo's other tab has the room open: its header follows the rename.
    await bo1.getByRole('heading', { name: renamed }).waitFor();
    await settings.getByRole('button', { name: 'Close' }).click();
    await annPage
      .getByRole('status')
      .filter({ hasText: `Renamed to ${renamed}` })
      .getByRole('button', { name: 'Dismiss' })
      .click();

    await memberLine(annPage, bo.user.nickname)
      .getByRole('button', { name: `Manage ${bo.user.nickname}` })
      .click();
    const manage = annPage.getByRole('dialog', { name: `Manage ${bo.user.nickname}` });
    await manage.waitFor();
    assert.deepEqual(await accessibilityProblems(annPage, 'dialog'), [], 'member actions');
    await screenshot(annPage, 'room-admin');

    await manage.getByLabel(`Mute ${bo.user.nickname} for`).selectOption({ label: '10 minutes' });
    await manage.getByRole('button', { name: 'Mute', exact: true }).click();
    await memberLine(bo1, bo.user.nickname).getByText('muted', { exact: true }).waitFor();
    await manage.getByRole('button', { name: 'Unmute' }).click();
    await memberLine(bo1, bo.user.nickname).getByText('muted', { exact: true }).waitFor({ state: 'detached' });

    await manage.getByLabel(`Role of ${bo.user.nickname}`).selectOption('admin');
    await manage.getByRole('button', { name: 'Change role' }).click();
    await memberLine(bo1, bo.user.nickname).getByText('admin', { exact: true }).waitFor();
  });

  it('removes the room from the list of a member who is kicked', async () => {
    const manage = annPage.getByRole('dialog', { name: `Manage ${bo.user.nickname}` });
    await manage.getByLabel('Reason (optional)').fill('testing kicks');
    await manage.getByRole('button', { name: 'Remove from room' }).click();
    await manage.waitFor({ state: 'detached' });
    // The tab showing the room goes back to the list and says why; the other loses the room.
    await bo1.getByRole('status').filter({ hasText: 'You were removed from the room' }).waitFor();
    await myRoom(bo1, renamed).waitFor({ state: 'detached' });
    await myRoom(bo2, renamed).waitFor({ state: 'detached' });
  });

  it('leaves a room from its settings', async () => {
    await myRoom(bo1, ann.user.nickname).click();
    await bo1.getByRole('button', { name: 'Room settings' }).click();
    const settings = bo1.getByRole('dialog', { name: 'Room settings' });
    await settings.getByRole('button', { name: 'Leave room' }).click();
    await settings.getByRole('button', { name: 'Yes, leave' }).click();
    await bo1.getByRole('heading', { name: 'Your rooms' }).waitFor();
    await bo1.getByRole('status').filter({ hasText: 'You left' }).waitFor();
    await myRoom(bo2, ann.user.nickname).waitFor({ state: 'detached' });
  });

  it('signs out every tab when one signs out', async () => {
    await bo1.getByRole('button', { name: 'Log out' }).click();
    await bo1.getByRole('heading', { name: 'Sign in' }).waitFor();
    await bo2.getByRole('heading', { name: 'Sign in' }).waitFor();
    await bo2.getByText('You signed out in another tab.').waitFor();
    await bo2.reload();
    await bo2.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });
});
