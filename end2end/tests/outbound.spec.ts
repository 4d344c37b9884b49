// An admin points Tidings at their own system and watches deliveries.
import { test, expect } from '@playwright/test';
import { createServer, Server as HttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { startServer, signIn, Server } from './server';

let server: Server | undefined;
let receiver: HttpServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  receiver = undefined;
});

/** A receiving system on loopback: /ok answers 200, /fail 500 until told otherwise. */
async function startReceiver(): Promise<{ url: string; heal: () => void }> {
  let healthy = false;
  receiver = createServer((req, res) => {
    req.resume();
    const ok = req.url === '/ok' || healthy;
    res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' });
    res.end(ok ? 'received' : 'broken');
  });
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, heal: () => (healthy = true) };
}

test('add an endpoint, send a test event, see it in the log, and resend a failed one', async ({ page }) => {
  const target = await startReceiver();
  server = await startServer({ env: { OUTBOUND_ALLOW_INTERNAL: 'true' } });
  await signIn(page, server, undefined, '/settings/webhooks');

  await page.getByLabel('Endpoint URL').fill(`${target.url}/ok`);
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.locator('code.endpoint-secret')).toHaveText(/^whsec_/);
  const ok = page.locator('.endpoint', { hasText: '/ok' });
  await ok.getByRole('button', { name: 'Send test event' }).click();
  await expect(ok.locator('tr.delivery .outcome')).toHaveText('succeeded');
  await expect(ok.locator('tr.delivery .answer')).toHaveText('200 received');

  await page.getByLabel('Endpoint URL').fill(`${target.url}/fail`);
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const failing = page.locator('.endpoint', { hasText: '/fail' });
  await failing.getByRole('button', { name: 'Send test event' }).click();
  await expect(failing.locator('tr.delivery .answer')).toHaveText('500 broken');
  await expect(failing.locator('tr.delivery .outcome')).toHaveText('pending');
  await expect(failing.locator('tr.delivery .attempts')).toHaveText('1');

  target.heal();
  await failing.getByRole('button', { name: 'Resend' }).click();
  await expect(failing.locator('tr.delivery .outcome')).toHaveText('succeeded');
  await expect(failing.locator('tr.delivery .attempts')).toHaveText('2');
});
