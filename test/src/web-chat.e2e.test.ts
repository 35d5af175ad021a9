import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import type { HistoryPage, MessageAccepted, Session } from '@chat/contracts';
import { CHROMIUM, signedInPage, visible, WAIT_MS } from './support/browser';
import { api, createRoom, postWhenAllowed, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { repoRoot } from './support/test-cluster';
import { eventually } from './support/wait';

// UPDATE_SCREENSHOTS=1 rewrites the chat screenshots in docs/screenshots.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(repoRoot, 'docs/screenshots') : null;

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
// The app's header and the room's, one row each: the rest of a phone's screen is the conversation's.
const PHONE_HEADERS_PX = 100;

/** A message in the room's log, by (part of) its own text (not a quote of another). */
function message(page: Page, text: string): Locator {
  return page
    .getByRole('log', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ has: page.locator('.content', { hasText: text }) });
}

/** Whether `locator` lies wholly inside the browser's viewport. */
async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  return !!box && !!viewport && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width;
}

/** Whether `item` lies within the visible part of the message list. */
async function inList(page: Page, item: Locator): Promise<boolean> {
  const [box, list] = await Promise.all([item.boundingBox(), page.locator('.messages').boundingBox()]);
  return !!box && !!list && box.y >= list.y - 1 && box.y + box.height <= list.y + list.height + 1;
}

/**
 * Sets the message list's scroll position (a number, or 'bottom') and tells the list at once: the
 * browser's own scroll event waits for the next frame, which a message arriving first would beat.
 * Scripts are strings here, this file has no DOM types.
 */
async function scrollList(page: Page, to: number | 'bottom'): Promise<void> {
  await page.evaluate(
    `(() => {
      const list = document.querySelector('.messages');
      list.scrollTop = ${to === 'bottom' ? 'list.scrollHeight' : to};
      list.dispatchEvent(new Event('scroll'));
    })()`,
  );
}

/** The serious and critical accessibility violations axe finds on the page, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.html).join(', ')}`);
}

/**
 * The chat room's own features in headless Chromium against the real cluster: replies, reactions,
 * edits, mentions and deletes seen live on the other side, per-message unread counts from read
 * receipts, Korean IME input, a long room on a desktop and on a phone (the window never scrolls,
 * the newest message and the composer stay on screen, the "new messages" pill, scrolling back
 * through older pages in place), and axe's accessibility rules.
 */
describe('web client: the chat room', { timeout: 300_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    browser = t.track(await chromium.launch({ executablePath: CHROMIUM }));
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });

  /** A fresh browser profile on the app, signed in as `session`. */
  const openApp = (session: Session, options: BrowserContextOptions = DESKTOP): Promise<Page> =>
    signedInPage(browser, t.url, session, { ...options, pageErrors });

  async function openRoom(page: Page, name: string): Promise<void> {
    const entry = page.getByRole('region', { name: 'Your rooms' }).getByRole('button', { name: new RegExp(name) });
    await visible(entry);
    await entry.click();
    await visible(page.getByRole('heading', { name }));
    await visible(page.getByText(/^Connected/));
  }

  async function write(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  }

  it('replies, reactions, edits, mentions, deletes and unread counts between two people, live', async () => {
    const suffix = Date.now() % 100_000;
    const [annSession, bobSession] = await Promise.all([registerUser(t.url, `ann${suffix}`), registerUser(t.url, `bob${suffix}`)]);
    const bobName = bobSession.user.nickname;
    await createRoom(t.url, annSession, { name: 'Features room', isPrivate: true, invitedUserIds: [bobSession.user.id] });
    const [ann, bob] = await Promise.all([openApp(annSession), openApp(bobSession)]);

    // Ann writes while Bob is away: one member has not read it.
    await openRoom(ann, 'Features room');
    await write(ann, 'Hello Bob');
    const hello = message(ann, 'Hello Bob');
    await visible(hello.getByText('Sent'));
    await visible(hello.locator('.unread').filter({ hasText: /^1/ }));
    // Bob opens the room and reads it: the count goes away on Ann's side.
    await openRoom(bob, 'Features room');
    await visible(message(bob, 'Hello Bob'));
    await hello.locator('.unread').waitFor({ state: 'detached' });

    // Bob answers it: the quote sits above his composer until sent (or cancelled), then above his message.
    await bob.getByRole('button', { name: 'Reply to message: Hello Bob' }).click();
    await visible(bob.getByText('Replying to'));
    await bob.getByRole('button', { name: 'Cancel reply' }).click();
    await bob.getByText('Replying to').waitFor({ state: 'detached' });
    await bob.getByRole('button', { name: 'Reply to message: Hello Bob' }).click();
    await eventually(
      'the composer to have the focus',
      () =>
        bob
          .getByRole('textbox', { name: 'Message' })
          .evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement),
      WAIT_MS,
    );
    await write(bob, 'Hi Ann, good to see you');
    await bob.getByText('Replying to').waitFor({ state: 'detached' });
    const quote = message(ann, 'Hi Ann').getByRole('button', { name: 'In reply to You: Hello Bob' });
    await visible(quote);
    await visible(message(bob, 'Hi Ann').getByRole('button', { name: `In reply to ${annSession.user.nickname}: Hello Bob` }));
    await quote.click();
    await eventually(
      'the quoted message to be highlighted',
      async () => /\bfocused\b/.test((await hello.getAttribute('class')) ?? ''),
      WAIT_MS,
    );

    // Bob reacts; Ann sees the count live, and adds hers. Each side shows its own reaction as pressed.
    await bob.getByRole('button', { name: 'React to message: Hello Bob' }).click();
    await bob.getByRole('group', { name: 'Pick a reaction' }).getByRole('button', { name: 'React with thumbs up' }).click();
    const annChip = hello.getByRole('button', { name: /^thumbs up, / });
    await visible(hello.getByRole('button', { name: 'thumbs up, 1 reaction' }));
    assert.equal(await annChip.getAttribute('aria-pressed'), 'false', "Bob's reaction is not Ann's");
    const bobChip = message(bob, 'Hello Bob').getByRole('button', { name: /^thumbs up, / });
    assert.equal(await bobChip.getAttribute('aria-pressed'), 'true');
    await annChip.click();
    await visible(hello.getByRole('button', { name: 'thumbs up, 2 reactions', pressed: true }));
    await visible(message(bob, 'Hello Bob').getByRole('button', { name: 'thumbs up, 2 reactions', pressed: true }));
    // A click on a pressed chip takes the reaction back.
    await bobChip.click();
    await visible(hello.getByRole('button', { name: 'thumbs up, 1 reaction', pressed: true }));

    // Ann edits in place: Escape cancels, an Enter that confirms an IME candidate does not save, Enter saves.
    await ann.getByRole('button', { name: 'Edit message: Hello Bob' }).click();
    const editor = ann.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('Hello Bob, cancelled');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });
    assert.equal(await hello.locator('.content').textContent(), 'Hello Bob');
    await ann.getByRole('button', { name: 'Edit message: Hello Bob' }).click();
    await editor.fill('Hello Bob, 반가워요');
    await editor.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true });
    assert.equal(await editor.isVisible(), true, 'still editing after a composing Enter');
    await editor.press('Enter');
    await editor.waitFor({ state: 'detached' });
    const edited = message(bob, 'Hello Bob, 반가워요');
    await visible(edited.getByText('(edited)'));
    // Bob's quote of it reads as it reads now.
    await visible(message(bob, 'Hi Ann').getByRole('button', { name: `In reply to ${annSession.user.nickname}: Hello Bob, 반가워요` }));

    // Ann mentions Bob, picked from the members as she types: Bob sees the message highlighted, his name emphasised.
    const composer = ann.getByRole('textbox', { name: 'Message' });
    await composer.pressSequentially(`@${bobName.slice(0, 4)}`);
    await visible(ann.getByRole('listbox', { name: 'Members to mention' }).getByRole('option', { name: bobName }));
    await composer.press('Enter');
    assert.equal(await composer.inputValue(), `@${bobName} `, 'the nickname is put in, not sent');
    await composer.pressSequentially('are you coming tonight?');
    await composer.press('Enter');
    const mention = message(bob, 'are you coming tonight?');
    await visible(mention);
    assert.match((await mention.getAttribute('class')) ?? '', /\bmentions-me\b/, 'a mention of me is highlighted');
    assert.equal(await mention.locator('strong.mention.me').textContent(), `@${bobName}`);
    assert.doesNotMatch((await message(bob, 'Hi Ann').getAttribute('class')) ?? '', /\bmentions-me\b/, 'other messages are not');

    // Ann deletes her first message after confirming: a placeholder stays where it was, and Bob's quote says so.
    await ann.getByRole('button', { name: 'Delete message: Hello Bob, 반가워요' }).click();
    await ann.getByRole('group', { name: 'Delete this message?' }).getByRole('button', { name: 'Cancel' }).click();
    await visible(message(ann, 'Hello Bob, 반가워요'));
    await ann.getByRole('button', { name: 'Delete message: Hello Bob, 반가워요' }).click();
    await ann.getByRole('button', { name: 'Yes, delete' }).click();
    await message(bob, 'Hello Bob, 반가워요').waitFor({ state: 'detached' });
    await visible(message(bob, 'Message deleted'));
    await visible(message(bob, 'Hi Ann').locator('.quote.gone').getByText('Message deleted'));
    await visible(message(ann, 'Hi Ann').locator('.quote.gone').getByText('Message deleted'));

    // A Korean IME's Enter (isComposing, or keyCode 229 alone) never sends.
    const bobComposer = bob.getByRole('textbox', { name: 'Message' });
    await bobComposer.fill('안녕하세요');
    await bobComposer.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true });
    await bobComposer.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229 });
    assert.equal(await bobComposer.inputValue(), '안녕하세요', 'nothing was sent');
    assert.equal(await message(bob, '안녕하세요').count(), 0);
    await bobComposer.press('Enter');
    await visible(message(ann, '안녕하세요'));

    assert.deepEqual(await seriousViolations(ann), [], "axe: Ann's chat screen");
    assert.deepEqual(await seriousViolations(bob), [], "axe: Bob's chat screen");
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('a long room on a desktop and on a phone: the window stays put, new messages, scrolling back in place', async () => {
    const suffix = Date.now() % 100_000;
    const [owner, reader, carol] = await Promise.all([
      registerUser(t.url, `olga${suffix}`),
      registerUser(t.url, `rita${suffix}`),
      registerUser(t.url, `carol${suffix}`),
    ]);
    const roomId = await createRoom(t.url, owner, { name: 'Long room', invitedUserIds: [reader.user.id, carol.user.id] });
    for (let i = 1; i <= 120; i++) await postWhenAllowed(t.url, owner, roomId, `msg ${String(i).padStart(3, '0')}`);
    await seedConversation(roomId, owner, reader, carol);

    for (const [name, options] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      const page = await openApp(reader, options);
      await openRoom(page, 'Long room');
      const newest = await visible(message(page, 'Sure, reading them now'));

      // The newest message and the composer are on screen, and the window itself does not scroll.
      assert.ok(await inViewport(page, newest), `${name}: the newest message is on screen`);
      assert.ok(await inViewport(page, page.getByRole('textbox', { name: 'Message' })), `${name}: the composer is on screen`);
      const windowScroll = await page.evaluate<{ range: number; y: number }>(
        `(() => { const s = document.scrollingElement; window.scrollTo(0, 10000); return { range: s.scrollHeight - s.clientHeight, y: window.scrollY }; })()`,
      );
      assert.deepEqual(windowScroll, { range: 0, y: 0 }, `${name}: document.scrollingElement does not scroll`);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `chat-${name}.png`) });
      assert.deepEqual(await seriousViolations(page), [], `axe: the chat screen on a ${name}`);
      if (name === 'phone') await phoneHeader(page);

      // Scrolled up, a new message does not pull the reader down: the pill offers it instead.
      const listTop = await page.evaluate<number>(`document.querySelector('.messages').scrollTop`);
      await scrollList(page, listTop - 1_200);
      await postWhenAllowed(t.url, owner, roomId, `fresh for the ${name}`);
      const fresh = message(page, `fresh for the ${name}`);
      const pill = await visible(page.getByRole('button', { name: 'New messages' }));
      assert.equal(await inList(page, fresh), false, `${name}: the new message is below the fold`);
      await pill.click();
      await pill.waitFor({ state: 'detached' });
      assert.ok(await inList(page, fresh), `${name}: the pill scrolled to it`);
      // At the bottom, the next one is followed without a pill.
      await postWhenAllowed(t.url, owner, roomId, `followed on the ${name}`);
      await visible(message(page, `followed on the ${name}`));
      await eventually(`${name}: the followed message in view`, () => inList(page, message(page, `followed on the ${name}`)), WAIT_MS);
      assert.equal(await page.getByRole('button', { name: 'New messages' }).count(), 0);

      // At the top, the older page comes in above without moving what the reader was looking at.
      const topBefore = await page.evaluate<{ text: string; top: number }>(
        `(() => {
          const list = document.querySelector('.messages');
          list.scrollTop = 0;
          const first = [...list.querySelectorAll('li.message')][0];
          return { text: first.querySelector('.content').textContent, top: first.getBoundingClientRect().top };
        })()`,
      );
      const oldest = Number(/msg (\d+)/.exec(topBefore.text)?.[1]);
      assert.ok(oldest > 1, `${name}: the room opened on its newest page (first shown: ${topBefore.text})`);
      await message(page, `msg ${String(oldest - 1).padStart(3, '0')}`).waitFor({ state: 'attached' });
      const anchor = message(page, topBefore.text).first();
      const topAfter = await anchor.evaluate((el: { getBoundingClientRect(): { top: number } }) => el.getBoundingClientRect().top);
      assert.ok(Math.abs(topAfter - topBefore.top) <= 2, `${name}: ${topBefore.text} stays in place (${topBefore.top} → ${topAfter})`);

      // Back to the very first message, and no further.
      await eventually(
        `${name}: the start of the conversation`,
        async () => {
          await scrollList(page, 0);
          return page.getByText('This is the start of the conversation.').isVisible();
        },
        WAIT_MS,
      );
      assert.equal(
        await page
          .getByRole('log', { name: 'Messages' })
          .getByRole('listitem')
          .filter({ hasText: /msg \d{3}/ })
          .count(),
        120,
      );
      await page.context().close();
    }
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  it('opens the actions of a message with a long press on a phone', async () => {
    const owner = await registerUser(t.url);
    await createRoom(t.url, owner, { name: 'Touch room' });
    const page = await openApp(owner, PHONE);
    await openRoom(page, 'Touch room');
    await write(page, 'press and hold me');
    const item = message(page, 'press and hold me');
    await visible(item.getByText('Sent'));
    const reply = item.getByRole('button', { name: 'Reply to message: press and hold me' });
    assert.equal(await reply.isVisible(), false, 'no hover on a phone: the actions are hidden');

    const box = await item.locator('.content').boundingBox();
    assert.ok(box, 'the message is laid out');
    const cdp = await page.context().newCDPSession(page);
    const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
    await visible(reply);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await reply.tap();
    await visible(page.getByText('Replying to'));
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the pages');
  });

  /** A phone keeps the headers to a row each, and shows the members (and the room's settings) on demand. */
  async function phoneHeader(page: Page): Promise<void> {
    const head = await page.locator('.chat-head').boundingBox();
    assert.ok(head && head.y + head.height <= PHONE_HEADERS_PX, `the headers end ${head && head.y + head.height}px down`);
    const members = page.getByRole('button', { name: 'Members' });
    const settings = page.getByRole('complementary').getByRole('button', { name: 'Room settings' });
    assert.equal(await settings.isVisible(), false, 'the member list waits for the button');
    await members.click();
    await visible(settings);
    assert.deepEqual(await seriousViolations(page), [], 'axe: the member list on a phone');
    await members.click();
    await settings.waitFor({ state: 'hidden' });
  }

  /**
   * The end of the long room: a mention of the reader (edited since), the reader's reply to it,
   * and reactions from three people, so the screenshots show what a conversation looks like.
   */
  async function seedConversation(roomId: number, owner: Session, reader: Session, carol: Session): Promise<void> {
    const post = async (who: Session, body: Record<string, unknown>) => {
      const { status, body: accepted } = await api<MessageAccepted>(t.url, 'POST', `/rooms/${roomId}/messages`, {
        token: who.access_token,
        body,
      });
      assert.equal(status, 202, `POST /rooms/${roomId}/messages: ${status} ${JSON.stringify(accepted)}`);
      return accepted.id;
    };
    const question = await post(carol, {
      content: `@${reader.user.nickname} could you look over the release notes?`,
      mentions: [reader.user.id],
    });
    const answer = await post(reader, { content: 'Sure, reading them now', replyTo: question });
    await eventually(
      'the seeded messages to be stored',
      async () => {
        const { body } = await api<HistoryPage>(t.url, 'GET', `/rooms/${roomId}/messages?limit=5`, { token: owner.access_token });
        return body.messages.some((m) => m.id === answer);
      },
      WAIT_MS,
    );
    const edited = await api(t.url, 'PATCH', `/messages/${question}`, {
      token: carol.access_token,
      body: { content: `@${reader.user.nickname} could you look over the release notes before Friday?` },
    });
    assert.equal(edited.status, 200, `PATCH /messages/${question}: ${edited.status}`);
    for (const [who, emoji] of [
      [owner, '👍'],
      [carol, '👍'],
      [carol, '🎉'],
    ] as const) {
      const { status } = await api(t.url, 'PUT', `/messages/${answer}/reactions/${encodeURIComponent(emoji)}`, { token: who.access_token });
      assert.equal(status, 204, `PUT reaction ${emoji}: ${status}`);
    }
  }
});
