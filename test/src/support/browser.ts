import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import type { Session } from '@chat/contracts';

/** Debian's package; playwright-core never downloads a browser. CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** How long a page may take to show what a step waits for, on a busy two-core machine. */
export const WAIT_MS = 15_000;

/** Resolves once `locator` is visible; fails naming what was awaited. */
export async function visible(locator: Locator, timeout = WAIT_MS): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator;
}

/**
 * A fresh browser profile on the app at `url`, signed in as `session` the way the app keeps a
 * session (localStorage, shared by the profile's tabs). Uncaught page errors go to `pageErrors`.
 */
export async function signedInPage(
  browser: Browser,
  url: string,
  session: Session,
  { pageErrors, ...options }: BrowserContextOptions & { pageErrors: string[] },
): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const value = JSON.stringify(JSON.stringify(session));
  await page.addInitScript({ content: `localStorage.setItem('chat.session', ${value});` });
  await page.goto(url);
  return page;
}
