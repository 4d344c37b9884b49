// Staff watch WhatsApp template messages tick live on /whatsapp.
import { test, expect, Page, WebSocketRoute } from '@playwright/test';
import { startServer, simulate, signIn, admin, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function open(page: Page, server: Server, user?: { email: string; password: string }) {
  await signIn(page, server, user);
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'live');
}

async function send(page: Page, to: string): Promise<string> {
  await page.getByLabel('Recipient number').fill(to);
  await page.getByRole('button', { name: 'Send template' }).click();
  const row = page.locator('tr.message', { hasText: `+${to}` });
  await expect(row).toHaveCount(1);
  return (await row.getAttribute('data-wamid'))!;
}

const row = (page: Page, wamid: string) => page.locator(`tr.message[data-wamid="${wamid}"]`);

test('a template goes from the clock to blue ticks without reloading', async ({ page }) => {
  // Statuses come only from `simulate`, one at a time.
  server = await startServer({ env: { WHATSAPP_SIMULATOR_AUTO: 'false' } });
  await open(page, server);
  let loads = 0;
  page.on('load', () => loads++);

  const wamid = await send(page, '15551230002');
  await expect(row(page, wamid).getByRole('img', { name: 'Sending' })).toBeVisible();
  for (const [status, label] of [['sent', 'Sent'], ['delivered', 'Delivered'], ['read', 'Read']]) {
    await simulate(server, ['whatsapp', 'status', '--wamid', wamid, '--status', status, '--to', '15551230002']);
    await expect(row(page, wamid).getByRole('img', { name: label })).toBeVisible();
  }
  await expect(row(page, wamid).locator('.tick')).toHaveCSS('color', 'rgb(52, 183, 241)');
  await expect(page.locator('.stat[data-stat="read"] .stat-value')).toHaveText('100%');
  expect(loads).toBe(0);
});

test('a failed message shows its reason and the analytics change', async ({ page }) => {
  server = await startServer({ env: { WHATSAPP_SIMULATOR_STEP_MS: '50' } });
  await open(page, server);
  // Numbers ending in 49 fail with 131049 in the simulator; others are read.
  const ok = await send(page, '15551230002');
  await expect(row(page, ok).getByRole('img', { name: 'Read' })).toBeVisible();
  const failing = await send(page, '15551230049');
  await expect(row(page, failing).getByRole('img', { name: 'Failed' })).toBeVisible();
  await expect(row(page, failing).locator('.reason')).toContainText('131049');
  await expect(page.locator('.stat[data-stat="failed"] .stat-value')).toHaveText('50%');

  await page.getByRole('button', { name: /^Failed/ }).click();
  await expect(page.locator('tr.message')).toHaveCount(1);
});

test('another college sees none of it, and a reply appears in the conversation', async ({ page, browser }) => {
  server = await startServer({ env: { WHATSAPP_SIMULATOR_AUTO: 'false' } });
  await open(page, server);
  // Another college and its staff member, set up from the shell.
  const tenant = (await admin(server, ['create-tenant', '--name', 'Other College'])).trim();
  const otherUser = { email: 'staff@other.test', password: 'other-password-1' };
  await admin(server, ['create-user', '--email', otherUser.email, '--tenant', tenant, '--password', otherUser.password]);
  const other = await browser.newPage();
  await open(other, server, otherUser);
  await expect(other.locator('.tenant-picker')).toHaveText('Other College');

  const wamid = await send(page, '15551230005');
  await simulate(server, ['whatsapp', 'reply', '--from', '15551230005', '--text', 'Is the form due Friday?', '--name', 'Ada']);
  await expect(page.locator('.reply', { hasText: 'Is the form due Friday?' })).toBeVisible();
  await row(page, wamid).click();
  await expect(page.locator('.bubble.in')).toHaveText(/Is the form due Friday\?/);

  await expect(other.locator('tr.message')).toHaveCount(0);
  await expect(other.locator('.reply')).toHaveCount(0);
  await other.close();
});

test('a page that loses its socket gets what it missed without reading the list again', async ({ page }) => {
  server = await startServer({ env: { WHATSAPP_SIMULATOR_AUTO: 'false' } });
  // Every socket of the page goes through here: the test can cut one, and
  // hold the next one's greeting until the page has missed something.
  const sockets: WebSocketRoute[] = [];
  const greetings: string[] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.routeWebSocket(/\/ws\/whatsapp/, (ws) => {
    const upstream = ws.connectToServer();
    const held = sockets.length > 0;
    sockets.push(ws);
    ws.onMessage(async (message) => {
      greetings.push(String(message));
      if (held) await released;
      upstream.send(message);
    });
  });
  await open(page, server);
  const wamid = await send(page, '15551230003');
  await expect(row(page, wamid).getByRole('img', { name: 'Sending' })).toBeVisible();
  let listReads = 0;
  page.on('request', (r) => {
    if (r.method() === 'GET' && new URL(r.url()).pathname === '/api/whatsapp/messages') listReads++;
  });
  let loads = 0;
  page.on('load', () => loads++);

  await sockets[0].close({ code: 4000, reason: 'cut by the test' });
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'reconnecting');
  for (const status of ['sent', 'delivered']) {
    await simulate(server, ['whatsapp', 'status', '--wamid', wamid, '--status', status, '--to', '15551230003']);
  }
  // The new socket says where the page left off.
  await expect.poll(() => greetings.length).toBe(2);
  expect(JSON.parse(greetings[1]).resume).toMatchObject({ epoch: expect.any(String), offset: expect.any(Number) });
  release();

  await expect(page.locator('.live')).toHaveAttribute('data-link', 'live');
  await expect(row(page, wamid).getByRole('img', { name: 'Delivered' })).toBeVisible();
  expect(listReads).toBe(0);
  expect(loads).toBe(0);
});
