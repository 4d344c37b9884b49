// Shop and helpdesk events reach the bell, the dashboard and the helpdesk live.
import { test, expect, Page } from '@playwright/test';
import { startServer, signIn, tenantSecret, postTenant, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const badge = (page: Page) => page.locator('.bell .badge');

test('orders and payments ring the bell and move the dashboard; read state follows the user across tabs', async ({ page }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/dashboard');
  await expect(page.locator('.bell')).toBeVisible();
  const other = await page.context().newPage();
  await other.goto(`${server.url}/dashboard`);
  await expect(other.locator('.bell')).toBeVisible();
  await expect(page.locator('.dot.dot-live')).toHaveCount(1);
  const secret = await tenantSecret(page, server);
  let loads = 0;
  page.on('load', () => loads++);

  await postTenant(server, secret, 'orders', { tenantId: 1, orderNumber: 'ORD-1', customerName: 'Ada', amount: 99.99, status: 'pending' });
  await expect(badge(page)).toHaveText('1');
  await expect(page.locator('.toast', { hasText: 'New order ORD-1' })).toBeVisible();
  await expect(page.locator('.stat[data-stat="orders"] .stat-value')).toHaveText('1');
  await expect(page.locator('tr[data-order="ORD-1"] .order-status')).toHaveText('pending');

  await postTenant(server, secret, 'payments', { tenantId: 1, orderNumber: 'ORD-1', amount: 99.99, status: 'paid', paymentId: 'pay_1' });
  await expect(badge(page)).toHaveText('2');
  await expect(page.locator('.stat[data-stat="revenue"] .stat-value')).toHaveText('99.99');
  await expect(page.locator('tr[data-order="ORD-1"] .order-status')).toHaveText('paid');
  await expect(badge(other)).toHaveText('2');

  await page.getByRole('button', { name: /Notifications, 2 unread/ }).click();
  await expect(page.locator('.note')).toHaveCount(2);
  await page.getByRole('button', { name: 'Mark all read' }).click();
  await expect(badge(page)).toHaveCount(0);
  await expect(badge(other)).toHaveCount(0);
  expect(loads).toBe(0);
});

test('a helpdesk ticket and its comment appear live', async ({ page }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/helpdesk');
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'live');
  const secret = await tenantSecret(page, server);
  await postTenant(server, secret, 'events', { tenantId: 1, event: 'ticket.update', data: { id: 't-1', title: 'Printer on fire', status: 'open' } });
  await expect(page.locator('.ticket[data-ticket="t-1"]')).toContainText('Printer on fire');
  await postTenant(server, secret, 'events', {
    tenantId: 1,
    event: 'notification.created',
    notification: { id: 'n-1', type: 'comment_on_ticket', message: 'New comment', related_type: 'comment', related_id: 'c-1' },
    data: { id: 'c-1', content: 'Extinguisher on its way', ticket_id: 't-1' },
  });
  await expect(page.locator('.ticket[data-ticket="t-1"] .comment')).toHaveText('Extinguisher on its way');
  await postTenant(server, secret, 'events', { tenantId: 1, event: 'ticket.update', data: { id: 't-1', title: 'Printer on fire', status: 'closed' } });
  await expect(page.locator('.ticket[data-ticket="t-1"] .chip')).toHaveText('closed');
  await expect(badge(page)).toHaveText('1');
});

test('notifications that arrive while the page is offline appear once it is back', async ({ page }) => {
  server = await startServer();
  const { port, dataDir } = server;
  await signIn(page, server, undefined, '/dashboard');
  await expect(page.locator('.dot.dot-live')).toHaveCount(1);
  const secret = await tenantSecret(page, server);
  await postTenant(server, secret, 'orders', { tenantId: 1, orderNumber: 'ORD-1', amount: 10, status: 'paid' });
  await expect(badge(page)).toHaveText('1');

  // More than one page of the bell's list (10) arrives while it is offline.
  await server.stop();
  const other = await startServer({ dataDir });
  for (let n = 2; n <= 16; n++) {
    await postTenant(other, secret, 'orders', { tenantId: 1, orderNumber: `ORD-${n}`, amount: 20, status: 'paid' });
  }
  await other.stop();
  server = await startServer({ dataDir, port });

  await expect(badge(page)).toHaveText('16', { timeout: 30_000 });
  await page.getByRole('button', { name: /Notifications, 16 unread/ }).click();
  // The whole gap, without a "load more": every one of them, once.
  await expect(page.locator('.note')).toHaveCount(16);
  for (const n of [2, 9, 16]) {
    await expect(page.locator('.note', { hasText: `New order ORD-${n}` })).toHaveCount(1);
  }
  await expect(page.locator('.stat[data-stat="orders"] .stat-value')).toHaveText('16');
});
