// Helpers of the admin's browser tests (admin_browser.test.mjs,
// admin_clerk_browser.test.mjs): Debian's chromium through playwright-core,
// headless, in contexts whose every request not addressed to the test
// server is refused; dialogs, page errors and refused requests are
// recorded, and a test ends with clean() to check there were none.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { PASSWORD } from './admin_helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh browser context with networking limited to base (the test
// server); dialogs, page errors and refused requests go into seen.
export async function open(browser, base, { viewport } = {}) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const seen = { dialogs: [], errors: [], outside: [] };
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(`${base}/`)) return route.continue();
    seen.outside.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  return { context, page, seen };
}

// Signs in through the login page the admin sends an anonymous visitor to.
export async function login(page, base, email, password = PASSWORD) {
  await page.goto(`${base}/admin/`);
  assert.match(page.url(), /\/admin\/login\/$/);
  await page.fill('#id_username', email);
  await page.fill('#id_password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
}

export function clean(seen) {
  assert.deepEqual(seen.dialogs, [], 'no dialog opened');
  assert.deepEqual(seen.errors, [], 'no script error');
  assert.deepEqual(seen.outside, [], 'no request left the test server');
}
