// What a student's phone pays for /register/connect: the compressed bytes
// of JavaScript and WebAssembly it downloads, and the time until the page
// is interactive (hydrated) under Chromium's "Slow 4G" throttling
// (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up: DevTools' preset),
// with an empty cache. Run by `./scripts/bench page`; prints a table line
// and a JSON line. A benchmark, not a test.
//
// "Interactive" is read by the page itself: the moment `data-hydrated` is
// set on <body>, on the page's clock from the start of navigation (a
// MutationObserver installed before any of the page's scripts). What the
// harness sees is printed too: Playwright notices the attribute by polling,
// up to ~100 ms later.
import { chromium } from '@playwright/test';

const url = process.argv[2];
if (!url) throw new Error('usage: node page.mjs http://127.0.0.1:PORT');
const runs = Number(process.argv[3] ?? 3);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const results = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 562.5, downloadThroughput: (1.44 * 1024 * 1024) / 8, uploadThroughput: (675 * 1024) / 8,
  });
  // Bytes on the wire per request, as Chromium counted them.
  const urls = new Map();
  const wire = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, { url: e.response.url, encoding: e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] }));
  cdp.on('Network.loadingFinished', (e) => wire.set(e.requestId, e.encodedDataLength));
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.getAttribute('data-hydrated') === 'true') {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  });
  const started = Date.now();
  await page.goto(`${url}/register/connect`);
  await page.locator('body[data-hydrated="true"]').waitFor({ timeout: 120_000 });
  const observedMs = Date.now() - started;
  const interactiveMs = Math.round(await page.evaluate(() => window.__hydratedAt));
  let scriptBytes = 0;
  let encoding = '';
  for (const [id, { url: u, encoding: enc }] of urls) {
    if (/\.(js|wasm)$/.test(new URL(u).pathname)) {
      scriptBytes += wire.get(id) ?? 0;
      encoding = enc ?? 'identity';
    }
  }
  results.push({ interactiveMs, observedMs, scriptBytes, encoding });
  await context.close();
}
await browser.close();

// What a browser that takes Brotli downloads, counted as sent (node:http
// does not decode the body).
const { get } = await import('node:http');
const rawLength = (u, headers) =>
  new Promise((resolve, reject) => {
    get(u, { headers }, (res) => {
      let n = 0;
      res.on('data', (chunk) => (n += chunk.length));
      res.on('end', () => resolve({ n, encoding: res.headers['content-encoding'] }));
    }).on('error', reject);
  });
const html = await (await fetch(`${url}/register/connect`)).text();
let brotliBytes = 0;
for (const path of html.match(/\/pkg\/[^"']+\.(?:js|wasm)/g) ?? []) {
  const { n, encoding } = await rawLength(`${url}${path}`, { 'accept-encoding': 'br' });
  if (encoding !== 'br') throw new Error(`${path} was not sent with Brotli`);
  brotliBytes += n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = {
  scenario: 'page',
  runs,
  interactive_ms_median: median(results.map((r) => r.interactiveMs)),
  interactive_ms: results.map((r) => r.interactiveMs),
  observed_by_harness_ms: results.map((r) => r.observedMs),
  script_bytes_on_wire: results[0].scriptBytes,
  script_encoding: results[0].encoding,
  script_bytes_brotli: brotliBytes,
};
console.log(`page /register/connect: JS+WASM ${(summary.script_bytes_on_wire / 1024).toFixed(0)} KiB on the wire (${summary.script_encoding}), ` +
  `${(brotliBytes / 1024).toFixed(0)} KiB with Brotli; interactive under Slow 4G in ${summary.interactive_ms.join(' / ')} ms ` +
  `(the harness saw it at ${summary.observed_by_harness_ms.join(' / ')} ms)`);
console.log(JSON.stringify(summary));
