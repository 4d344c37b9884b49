// The student's flow on /register/connect with a real DIDComm agent: the
// university's ACA-Py agent issues the invitation, a student's ACA-Py
// wallet accepts it, and the page follows along in a real Chromium.
import { test, expect } from '@playwright/test';
import { startServer, freePort, SECRET, Server } from './server';
import { startAgent, Agent } from './acapy';

let server: Server | undefined;
let agents: Agent[] = [];
test.afterEach(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  agents = [];
  await server?.stop();
  server = undefined;
});

const step = (page: import('@playwright/test').Page, name: string) => page.locator(`.step[data-step="${name}"]`);

test('a student connects a real ACA-Py wallet and sees it connected without reloading', async ({ page }) => {
  const adminPort = await freePort();
  server = await startServer({ env: { PLATFORM: 'acapy', ACAPY_ADMIN_URL: `http://127.0.0.1:${adminPort}` } });
  const webhookUrl = `${server.url}/api/webhooks/confirmd#${SECRET}`;
  agents = await Promise.all([
    startAgent('Tidings University', adminPort, { university: { webhookUrl } }),
    startAgent('Student Wallet', await freePort(), 'wallet'),
  ]);
  const wallet = agents[1];

  await page.goto(`${server.url}/register/connect`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Connect wallet' }).click();
  await expect(page.getByRole('img', { name: 'Connection invitation QR code' })).toBeVisible();
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'live');
  await expect(step(page, 'invitation')).toHaveClass(/current/);
  let loads = 0;
  page.on('load', () => loads++);

  // The QR code's link is the agent's own out-of-band invitation.
  const link = await page.getByLabel('Invitation link').inputValue();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\?oob=/);
  await wallet.receive(link);

  await expect(page.getByRole('heading', { name: 'Wallet connected' })).toBeVisible();
  for (const name of ['invitation', 'request', 'response', 'active']) await expect(step(page, name)).toHaveClass(/done/);
  await expect(page.locator('.wallet-name')).toHaveText('Student Wallet');
  expect(loads).toBe(0);
});
