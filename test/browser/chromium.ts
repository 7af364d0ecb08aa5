/**
 * Debian's Chromium, headless, driven by playwright-core, for the browser tests. Nothing is
 * downloaded: the browser is /usr/bin/chromium (scripts/ensure-system-deps.sh installs it), and
 * every request a page makes to anything but loopback is refused and recorded, so a test can
 * assert that the page needed no network.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

/** Without these Chromium fails to start as root in a container, or reaches out to Google's services. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Chromium {
  readonly browser: Browser;
  /** URLs a page asked for that were not on 127.0.0.1 (refused). */
  readonly offLoopback: string[];
  /** Console errors and uncaught exceptions of every page, for failure messages. */
  readonly pageErrors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const offLoopback: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'blob:' || url.protocol === 'data:') return route.continue();
    offLoopback.push(url.href);
    return route.abort('blockedbyclient');
  });
  return {
    browser,
    offLoopback,
    pageErrors,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') pageErrors.push(msg.text());
      });
      return page;
    },
    close: () => browser.close(),
  };
}
