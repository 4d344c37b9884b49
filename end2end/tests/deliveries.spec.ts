// The operators' webhook log at /admin/deliveries: find a delivery as it
// arrives (pushed over the page's socket), read its payload with the credentials redacted, replay it, and
// see the replay in the activity log.
import { test, expect } from '@playwright/test';
import { startServer, signIn, ADMIN, SECRET, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('an operator finds a delivery, reads its payload, replays it and sees that logged', async ({ page }) => {
  server = await startServer();
  await signIn(page, server, ADMIN, '/admin/deliveries');
  await expect(page.getByRole('heading', { name: 'Webhook deliveries' })).toBeVisible();
  // The page follows the log over its socket (it does not poll).
  await expect(page.locator('.live[data-link="live"]')).toBeVisible();

  // A platform webhook arrives while the page is open.
  const webhook = { id: 'wh-e2e-1', type: 'Connection', connectionId: 'c-e2e', state: 'request-received', outOfBandId: 'nobody', token: 's3cret-e2e' };
  const answer = await fetch(`${server.url}/api/webhooks/confirmd`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': SECRET },
    body: JSON.stringify(webhook),
  });
  expect(answer.status).toBe(200);
  const row = page.locator('tr[data-delivery]').filter({ hasText: 'connections.request-received' });
  await expect(row).toBeVisible();

  // The chart counts it (kept unmatched: received, not applied).
  await expect(page.locator('.minute-chart figcaption')).toHaveText('last 24 h: 1 received, 0 applied, 0 failed');

  // One that matches a student's session says which.
  const created = await (await fetch(`${server.url}/api/connections/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requestType: 'registration' }),
  })).json();
  const matching = { id: 'wh-e2e-2', type: 'Connection', connectionId: 'c-e2e-2', state: 'request-received', outOfBandId: created.data.outOfBandId };
  const matched = await fetch(`${server.url}/api/webhooks/confirmd`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': SECRET },
    body: JSON.stringify(matching),
  });
  expect(matched.status).toBe(200);
  await expect(page.locator('tr[data-delivery][data-status="processed"]')).toContainText(`session ${created.data.sessionId.slice(0, 8)}`);
  const unmatched = page.locator('tr[data-delivery][data-status="unmatched"]');
  await expect(unmatched).toContainText('connections.request-received');

  await unmatched.getByRole('button', { name: 'Payload' }).click();
  const payload = page.getByLabel('Payload');
  await expect(payload).toContainText('"token": "[redacted]"');
  await expect(payload).toContainText('"connectionId": "c-e2e"');
  await expect(payload).not.toContainText('s3cret-e2e');

  await unmatched.getByRole('button', { name: 'Replay' }).click();
  await expect(page.locator('p.notice')).toHaveText('Replayed 1 deliveries');

  await page.goto(`${server.url}/activity`);
  await expect(page.locator('tr[data-kind="DeliveriesReplayed"]')).toContainText(/replayed 1 deliveries: \d+/);
});
