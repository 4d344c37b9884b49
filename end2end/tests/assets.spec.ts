// What a phone downloads: the page and its files compressed, the files
// named by their content and kept for a year.
import { test, expect, Response } from '@playwright/test';
import { startServer, Server } from './server';

let server: Server | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('the connect page and its files come compressed, the files cached for a year', async ({ page }) => {
  server = await startServer();
  const files: Response[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/pkg/')) files.push(r);
  });
  const document = await page.goto(`${server.url}/register/connect`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  expect((await document!.allHeaders())['content-encoding']).toMatch(/^(br|gzip)$/);

  // The app's own files and, in a release build, the loader of the staff
  // pages' modules: never a staff page's module itself.
  const names = files.map((r) => new URL(r.url()).pathname);
  for (const kind of ['css', 'js', 'wasm']) expect(names.some((n) => n.endsWith(`.${kind}`)), kind).toBe(true);
  for (const file of files) {
    const headers = await file.allHeaders();
    expect(new URL(file.url()).pathname).toMatch(/^\/pkg\/(tidings|__wasm_split|__wasm_split_manifest)\.[\w-]{8,}\.(css|js|wasm|json)$/);
    expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(headers['content-encoding'], file.url()).toMatch(/^(br|gzip)$/);
  }

  // A client that takes Brotli gets Brotli.
  const wasm = files.find((r) => r.url().endsWith('.wasm'))!;
  const brotli = await fetch(wasm.url(), { headers: { 'accept-encoding': 'br' } });
  expect(brotli.headers.get('content-encoding')).toBe('br');
  expect(brotli.headers.get('content-type')).toBe('application/wasm');
});
