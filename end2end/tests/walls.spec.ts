// Tenant walls in the browser: no script links, a Content-Security-Policy on
// every page that still hydrates under it, staff who join by invitation
// link, and a tenant's own WhatsApp numbers.
import { test, expect, Page } from '@playwright/test';
import { startServer, signIn, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Posts a notification from the signed-in page, as its own scripts would. */
async function createNotification(page: Page, actionUrl: string): Promise<number> {
  return page.evaluate(async (actionUrl) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('tidings_csrf='))!.split('=')[1];
    const response = await fetch('/api/notifications', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ title: `Go to ${actionUrl}`, message: 'Click me', actionUrl }),
    });
    return response.status;
  }, actionUrl);
}

test('a javascript: link cannot be created, and the bell follows a safe one', async ({ page }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/dashboard');
  await expect(page.locator('.dot.dot-live')).toHaveCount(1);
  for (const link of ['javascript:alert(document.domain)', 'JAVASCRIPT:alert(1)', '//evil.example/']) {
    expect(await createNotification(page, link)).toBe(400);
  }
  await expect(page.locator('.bell .badge')).toHaveCount(0);
  expect(await createNotification(page, '/helpdesk')).toBe(200);
  await expect(page.locator('.bell .badge')).toHaveText('1');
  await page.getByRole('button', { name: /Notifications, 1 unread/ }).click();
  await page.locator('.note-body', { hasText: 'Go to /helpdesk' }).click();
  await page.waitForURL(/\/helpdesk$/);
});

test('every page carries a Content-Security-Policy and hydrates under it', async ({ page }) => {
  server = await startServer();
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  for (const path of ['/', '/register/connect', '/login']) {
    const response = await page.goto(`${server.url}${path}`);
    const csp = response!.headers()['content-security-policy'];
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("script-src 'self' 'nonce-");
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    await page.locator('body[data-hydrated="true"]').waitFor();
  }
  await signIn(page, server, undefined, '/settings');
  for (const path of ['/whatsapp', '/dashboard', '/helpdesk', '/activity', '/settings/webhooks']) {
    await page.goto(`${server.url}${path}`);
    await page.locator('body[data-hydrated="true"]').waitFor();
  }
  expect(violations).toEqual([]);
});

test('staff join through a one-time invitation link, and an admin can remove them', async ({ page, browser }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/settings');
  await page.getByLabel('Staff email').fill('new.colleague@e2e.test');
  await page.getByRole('button', { name: 'Invite' }).click();
  const link = (await page.locator('code.invitation').textContent())!;
  expect(link).toMatch(/\/invite\?token=[0-9a-f]+$/);

  const guest = await browser.newContext();
  const invited = await guest.newPage();
  await invited.goto(link);
  await expect(invited.getByRole('heading', { name: 'Join Demo College' })).toBeVisible();
  await invited.locator('body[data-hydrated="true"]').waitFor();
  await invited.getByLabel('Choose a password').fill('colleague-password-1');
  await invited.getByRole('button', { name: 'Join' }).click();
  await invited.waitForURL(/\/settings$/);
  await invited.goto(link);
  await expect(invited.getByRole('alert')).toContainText('not found, used or expired');

  await page.reload();
  await expect(page.locator('table.staff tr', { hasText: 'new.colleague@e2e.test' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Remove new.colleague@e2e.test' }).click();
  await expect(page.locator('table.staff tr', { hasText: 'new.colleague@e2e.test' })).toHaveCount(0);
  await guest.close();
});

test("an admin adds the tenant's own WhatsApp number", async ({ page }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/settings');
  await expect(page.locator('table.numbers tr')).toHaveCount(1);
  await expect(page.locator('table.numbers tr')).toContainText('from the environment');
  await page.getByLabel('Phone number ID').fill('222000000000002');
  await page.getByLabel('Display number').fill('+1 555 010 0200');
  await page.getByRole('button', { name: 'Add number' }).click();
  await expect(page.locator('tr[data-number="222000000000002"]')).toContainText('+15550100200');
});
