// The student's flow on /register/connect, in a real Chromium.
import { test, expect, Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { startServer, startCluster, simulateScan, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function openAndConnect(page: Page, url: string): Promise<string> {
  await page.goto(`${url}/register/connect`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Connect wallet' }).click();
  await expect(page.getByRole('img', { name: 'Connection invitation QR code' })).toBeVisible();
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'live');
  const sessionId = new URL(page.url()).searchParams.get('session');
  expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
  return sessionId!;
}

const step = (page: Page, name: string) => page.locator(`.step[data-step="${name}"]`);

test('a student connects a wallet and sees each step without reloading', async ({ page }) => {
  server = await startServer();
  const sessionId = await openAndConnect(page, server.url);
  await expect(page.getByLabel('Invitation link')).toHaveValue(/\?oob=/);
  await expect(page.locator('.expiry time')).toHaveText(/^1[45]:\d\d$/);
  await expect(step(page, 'invitation')).toHaveClass(/current/);

  const connection = randomUUID();
  let loads = 0;
  page.on('load', () => loads++);
  const scan = (s: string) =>
    simulateScan(server!.url, server!.dataDir, ['--session', sessionId, '--connection-id', connection, '--label', "Ada's Wallet", '--step', s]);

  await scan('request');
  await expect(step(page, 'invitation')).toHaveClass(/done/);
  await expect(step(page, 'request')).toHaveClass(/current/);
  await expect(page.locator('.status-text')).toHaveText('Wallet requested');

  await scan('response');
  await expect(step(page, 'request')).toHaveClass(/done/);
  await expect(step(page, 'response')).toHaveClass(/current/);

  await scan('active');
  await expect(step(page, 'active')).toHaveClass(/done/);
  await expect(page.getByRole('heading', { name: 'Wallet connected' })).toBeVisible();
  await expect(page.locator('.wallet-name')).toHaveText("Ada's Wallet");
  expect(loads).toBe(0);
});

test('a page that lost its server shows the true state when it comes back', async ({ page }) => {
  server = await startServer();
  const { port, dataDir } = server;
  const sessionId = await openAndConnect(page, server.url);

  // The server goes away; the page says so and keeps trying.
  await server.stop();
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'reconnecting');

  // Meanwhile the wallet connects, through another node on the same database.
  const other = await startServer({ dataDir });
  await simulateScan(other.url, dataDir, ['--session', sessionId, '--label', 'Offline Wallet']);
  await other.stop();

  // The original address returns; the page catches up on its own.
  server = await startServer({ dataDir, port });
  await expect(page.locator('.live')).toHaveAttribute('data-link', 'live', { timeout: 30_000 });
  await expect(page.getByRole('heading', { name: 'Wallet connected' })).toBeVisible();
  await expect(page.locator('.wallet-name')).toHaveText('Offline Wallet');
});

test('an expired code says so and a new one can be had', async ({ page }) => {
  server = await startServer({ env: { SESSION_TTL_SECS: '2', SWEEP_INTERVAL_SECS: '0.2' } });
  const first = await openAndConnect(page, server.url);
  await expect(page.getByRole('heading', { name: 'Code expired' })).toBeVisible();
  await page.getByRole('button', { name: 'Get a new code' }).click();
  await expect(page.getByRole('img', { name: 'Connection invitation QR code' })).toBeVisible();
  await expect(page).not.toHaveURL(new RegExp(first));
  await expect(step(page, 'invitation')).toHaveClass(/current/);
});

test('a reload resumes the same session', async ({ page }) => {
  server = await startServer();
  const sessionId = await openAndConnect(page, server.url);
  await simulateScan(server.url, server.dataDir, ['--session', sessionId, '--step', 'request']);
  await expect(step(page, 'request')).toHaveClass(/current/);
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(step(page, 'request')).toHaveClass(/current/);
  await expect(page.getByRole('img', { name: 'Connection invitation QR code' })).toBeVisible();
});

test('a page served by one node follows a wallet whose webhooks land on another', async ({ page }) => {
  const cluster = await startCluster();
  server = cluster.a;
  const { b: other, dataDir } = cluster;
  try {
    const sessionId = await openAndConnect(page, server.url);
    let loads = 0;
    page.on('load', () => loads++);
    const scan = (s: string) =>
      simulateScan(other.url, dataDir, ['--session', sessionId, '--connection-id', connection, '--label', 'Cluster Wallet', '--step', s]);
    const connection = randomUUID();
    await scan('request');
    await expect(step(page, 'request')).toHaveClass(/current/);
    await scan('response');
    await scan('active');
    await expect(page.getByRole('heading', { name: 'Wallet connected' })).toBeVisible();
    await expect(page.locator('.wallet-name')).toHaveText('Cluster Wallet');
    expect(loads).toBe(0);
  } finally {
    await cluster.stop();
  }
});
