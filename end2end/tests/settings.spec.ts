// Admins manage their tenant; another tenant's staff see none of it.
import { test, expect } from '@playwright/test';
import { startServer, signIn, admin, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('a signed-out visitor is sent to sign in, then back', async ({ page }) => {
  server = await startServer();
  await page.goto(`${server.url}/settings`);
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings/);
  await page.getByLabel('Email').fill('admin@e2e.test');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await page.getByLabel('Password').fill('e2e-admin-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole('heading', { name: 'Demo College' })).toBeVisible();
});

test('an admin issues an API key, sees it logged, and another tenant sees none of it', async ({ page, browser }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/settings');
  await page.getByLabel('Key name').fill('Admissions back end');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.locator('code.secret')).toHaveText(/^tdk_[0-9a-f]{48}$/);
  await expect(page.locator('tr[data-key]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator('tr[data-key]')).toContainText('revoked');

  await page.goto(`${server.url}/activity`);
  await expect(page.locator('tr[data-kind="ApiKeyCreated"]')).toContainText('Admissions back end');
  await expect(page.locator('tr[data-kind="ApiKeyRevoked"]')).toHaveCount(1);
  await expect(page.locator('tr[data-kind="SignIn"]')).not.toHaveCount(0);

  const tenant = (await admin(server, ['create-tenant', '--name', 'Other College'])).trim();
  const outsider = { email: 'admin@other.test', password: 'other-password-1' };
  await admin(server, ['create-user', '--email', outsider.email, '--tenant', tenant, '--role', 'admin', '--password', outsider.password]);
  const other = await browser.newPage();
  await signIn(other, server, outsider, '/activity');
  await expect(other.locator('.tenant-picker')).toHaveText('Other College');
  await expect(other.locator('tr[data-kind="ApiKeyCreated"]')).toHaveCount(0);
  await other.goto(`${server.url}/settings?tenant=1`);
  await expect(other.getByRole('heading', { name: 'Other College' })).toBeVisible();
  await expect(other.locator('tr[data-key]')).toHaveCount(0);
  await other.close();
});

test('an admin rotates the webhook secret, sends a test, and finds both in the activity log', async ({ page, browser }) => {
  server = await startServer();
  await signIn(page, server, undefined, '/settings/webhooks');
  await expect(page.getByLabel('Orders URL')).toHaveValue(`${server.url}/api/webhooks/orders`);

  await page.getByRole('button', { name: 'Generate secret' }).click();
  const first = await page.locator('code.secret').textContent();
  expect(first).toMatch(/^whsec_/);
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  await expect(page.locator('code.secret')).not.toHaveText(first!);
  await expect(page.locator('.grace')).toContainText('The previous secret still works until');

  await page.getByRole('button', { name: 'Send test webhook' }).click();
  await expect(page.locator('.test-result')).toHaveText(/^Delivered: 200 in \d+ ms\.$/);

  await page.getByRole('checkbox', { name: 'Payments' }).uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();

  await page.goto(`${server.url}/activity`);
  await expect(page.locator('tr[data-kind="SecretRotated"]')).toHaveCount(2);
  await expect(page.locator('tr[data-kind="WebhookReceived"]')).toContainText('signature verified');
  await expect(page.locator('tr[data-kind="SettingsChanged"]')).toContainText('payments off');

  const tenant = (await admin(server, ['create-tenant', '--name', 'Other College'])).trim();
  const outsider = { email: 'admin@other.test', password: 'other-password-1' };
  await admin(server, ['create-user', '--email', outsider.email, '--tenant', tenant, '--role', 'admin', '--password', outsider.password]);
  const other = await browser.newPage();
  await signIn(other, server, outsider, '/activity');
  await expect(other.locator('tr[data-kind="SecretRotated"]')).toHaveCount(0);
  await expect(other.locator('tr[data-kind="WebhookReceived"]')).toHaveCount(0);
  await other.goto(`${server.url}/settings/webhooks?tenant=1`);
  await expect(other.getByRole('button', { name: 'Generate secret' })).toBeVisible();
  await other.close();
});
