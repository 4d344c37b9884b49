// Seed 004's and seed 002's Socket.IO front ends, with the real
// socket.io-client from npm: both transports, the seeds' events and
// payloads, refused joins and origins, catching up after a reconnect or a
// restart, and a page on another site with a live bell.
import { test, expect } from '@playwright/test';
import { createServer, Server as HttpServer } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, startCluster, postTenant, freePort, Server } from './server';
import { tenant, channelToken, Client, Tenant } from './socketio';

let server: Server | undefined;
const clients: Client[] = [];
test.afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await server?.stop();
  server = undefined;
});

function client(url: string, opts: ConstructorParameters<typeof Client>[1]): Client {
  const c = new Client(url, opts);
  clients.push(c);
  return c;
}

async function api(t: Tenant, path: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(`${server!.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  expect(response.ok).toBe(true);
  return (await response.json()).data;
}

for (const transports of [['websocket'], ['polling']] as const) {
  test(`seed 004's events reach a client over ${transports[0]}`, async () => {
    server = await startServer();
    const shop = await tenant(server);
    const token = await channelToken(server, shop);
    const c = client(server.url, { transports: [...transports], auth: { token } });
    const joined = await c.ask('join-tenant', shop.id);
    expect(joined).toMatchObject({ success: true, tenantId: shop.id });
    expect(c.socket.io.engine.transport.name).toBe(transports[0]);

    await postTenant(server, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-SIO', customerName: 'Ada', amount: 12.5, status: 'paid' });
    const note = await c.next('new-notification');
    expect(note).toMatchObject({ tenantId: shop.id, isRead: false, type: 'success' });
    expect(note.title).toBe('New order ORD-SIO');
    expect(note._id).toBe(String(note.id));
    expect(await c.next('dashboard-refresh', (p) => p.reason === 'order')).toEqual({ reason: 'order' });

    await api(shop, `/api/notifications/${note.id}`, { method: 'PATCH', body: JSON.stringify({ isRead: true }) });
    expect(await c.next('notification-updated')).toMatchObject({ id: note.id, isRead: true });
    await api(shop, '/api/notifications/mark-all-read', { method: 'POST' });
    expect(await c.next('notifications-marked-read')).toEqual({ userId: null });
    expect(await c.ask('notification-received', note.id)).toEqual({ success: true });

    // After leave-tenant nothing more arrives.
    await c.ask('leave-tenant', shop.id);
    await postTenant(server, shop.secret, 'notifications', { tenantId: shop.id, title: 'Unseen', message: 'after leaving' });
    const fresh = await api(shop, '/api/notifications?limit=1');
    expect(fresh.notifications[0].title).toBe('Unseen');
    await c.ask('join-tenant', shop.id);
    // In order: had "Unseen" been sent, it would come before "Seen".
    await postTenant(server, shop.secret, 'notifications', { tenantId: shop.id, title: 'Seen', message: 'after joining again' });
    await c.next('new-notification', (n) => n.title === 'Seen');
    expect(c.events.filter((e) => e.name === 'new-notification').map((e: any) => e.args[0].title)).not.toContain('Unseen');
  });
}

test("seed 002's rooms get entity updates and notifications with their data", async () => {
  server = await startServer();
  const desk = await tenant(server);
  const token = await channelToken(server, desk);
  const c = client(server.url, { auth: { token } });
  for (const room of ['tickets', 'comments', 'users', 'kb', 'attachments']) {
    expect(await c.ask('join', room)).toMatchObject({ success: true, room });
  }
  await postTenant(server, desk.secret, 'events', { tenantId: desk.id, event: 'ticket.update', data: { id: 't-1', title: 'Printer on fire' } });
  expect(await c.next('ticket.update')).toEqual({ id: 't-1', title: 'Printer on fire' });
  await postTenant(server, desk.secret, 'events', { tenantId: desk.id, event: 'kb.update', data: { id: 'kb-1', title: 'Fire drill' } });
  expect(await c.next('kb.update')).toEqual({ id: 'kb-1', title: 'Fire drill' });
  await postTenant(server, desk.secret, 'events', {
    tenantId: desk.id,
    event: 'notification.created',
    notification: { id: 'n-1', type: 'comment_on_ticket', message: 'New comment', related_id: 'c-1', related_type: 'comment' },
    data: { id: 'c-1', content: 'Extinguisher on its way', ticket_id: 't-1' },
  });
  const raised = await c.next('notification');
  expect(raised.notification).toMatchObject({ id: 'n-1', type: 'comment_on_ticket', message: 'New comment', related_id: 'c-1' });
  expect(raised.data).toEqual({ id: 'c-1', content: 'Extinguisher on its way', ticket_id: 't-1' });
  expect(await c.next('comment.update')).toMatchObject({ id: 'c-1', content: 'Extinguisher on its way' });
  expect(await c.ask('join', 'boiler-room')).toMatchObject({ success: false });
});

test("another tenant's join is refused and discloses nothing", async () => {
  server = await startServer();
  const mine = await tenant(server);
  const theirs = await tenant(server, 'Other college');
  const c = client(server.url, { auth: { token: await channelToken(server, mine) } });
  const refused = await c.ask('join-tenant', theirs.id);
  expect(refused.success).toBe(false);
  expect(refused.error).not.toContain('Other college');
  expect((await c.next('error')).success).toBe(false);
  // A tenant that does not exist is refused the same way.
  expect((await c.ask('join-tenant', 999)).error).toBe(refused.error);

  await postTenant(server, theirs.secret, 'orders', { tenantId: theirs.id, orderNumber: 'THEIRS-1', amount: 5, status: 'paid' });
  await postTenant(server, mine.secret, 'orders', { tenantId: mine.id, orderNumber: 'MINE-1', amount: 5, status: 'paid' });
  // In order: once mine has arrived, theirs would have too.
  await c.next('new-notification', (n) => n.title.includes('MINE-1'));
  expect(c.events.some((e: any) => JSON.stringify(e.args).includes('THEIRS-1'))).toBe(false);

  // A bad token, or none, gets no socket.
  const forged = client(server.url, { auth: { token: 'e30.AAAA' }, reconnection: false });
  expect((await forged.next('connect_error')).message).toContain('channel token refused');
  const anonymous = client(server.url, { reconnection: false });
  expect((await anonymous.next('connect_error')).message).toContain('channel token');
});

test('only origins on the allowlist get a socket', async () => {
  server = await startServer({ env: { CORS_ALLOWED_ORIGINS: 'https://shop.example', CLIENT_URL: 'https://desk.example/app' } });
  const shop = await tenant(server);
  const token = await channelToken(server, shop);
  for (const transports of [['websocket'], ['polling']]) {
    const evil = client(server.url, { transports, auth: { token }, extraHeaders: { origin: 'https://evil.example' }, reconnection: false });
    await evil.next('connect_error');
    expect(evil.count('connect')).toBe(0);
    for (const origin of ['https://shop.example', 'https://desk.example']) {
      const allowed = client(server.url, { transports, auth: { token }, extraHeaders: { origin } });
      await allowed.next('connect');
      expect(await allowed.ask('join-tenant', shop.id)).toMatchObject({ success: true });
    }
  }
  const poll = `${server.url}/socket.io/?EIO=4&transport=polling`;
  const allowed = await fetch(poll, { headers: { origin: 'https://shop.example' } });
  expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  const refused = await fetch(poll, { headers: { origin: 'https://evil.example' } });
  expect(refused.status).toBe(403);
  expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  // The notification API answers the listed origins' preflights, and no others.
  const preflight = (origin: string) =>
    fetch(`${server!.url}/api/notifications`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
  expect((await preflight('https://shop.example')).headers.get('access-control-allow-origin')).toBe('https://shop.example');
  expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
});

test('a client resumes after a short disconnect and resyncs after a restart', async () => {
  server = await startServer();
  const { port, dataDir } = server;
  const shop = await tenant(server);
  const token = await channelToken(server, shop);
  // Where the client left off: the epoch of its last join, the offset of
  // its last event (the second argument of every event).
  let at: { epoch?: string; offset?: number } = {};
  const c = client(server.url, { auth: (cb: (data: object) => void) => cb({ token, ...at }) });
  c.socket.on('joined', (j: any) => (at = { epoch: j.epoch, offset: Math.max(j.offset, at.offset ?? 0) }));
  c.socket.onAny((_name: string, ...args: any[]) => {
    const offset = args[1]?.offset;
    if (typeof offset === 'number') at.offset = Math.max(offset, at.offset ?? 0);
  });
  await c.next('joined');
  await postTenant(server, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-1', amount: 1, status: 'paid' });
  await c.next('new-notification', (n) => n.title.includes('ORD-1'));

  // A short disconnect: what arrives meanwhile is replayed, in order.
  c.socket.disconnect();
  await postTenant(server, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-2', amount: 2, status: 'paid' });
  await postTenant(server, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-3', amount: 3, status: 'paid' });
  const unread = await api(shop, '/api/notifications?limit=5');
  expect(unread.notifications.map((n: any) => n.title).join()).toContain('ORD-3');
  const from = c.events.length;
  c.socket.connect();
  expect(await c.next('joined', () => true, from)).toMatchObject({ resumed: true });
  await c.next('new-notification', (n) => n.title.includes('ORD-3'), from);
  const replayed = c.events.slice(from).filter((e) => e.name === 'new-notification').map((e: any) => e.args[0].title);
  expect(replayed.length).toBe(2);
  expect(replayed[0]).toContain('ORD-2');
  expect(c.events.slice(from).some((e: any) => e.name === 'dashboard-refresh' && e.args[0].reason === 'resync')).toBe(false);

  // A restart: the server's history is gone, so the client is told to
  // reload, and what it reloads has what arrived while it was away.
  await server.stop();
  const other = await startServer({ dataDir });
  await postTenant(other, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-OFFLINE', amount: 4, status: 'paid' });
  await other.stop();
  const beforeRestart = c.events.length;
  server = await startServer({ dataDir, port });
  expect(await c.next('joined', () => true, beforeRestart)).toMatchObject({ resumed: false });
  await c.next('dashboard-refresh', (p) => p.reason === 'resync', beforeRestart);
  const reloaded = await api(shop, '/api/notifications?limit=1');
  expect(reloaded.notifications[0].title).toContain('ORD-OFFLINE');
});

test('on two nodes, a client on one gets what a webhook to the other caused, and resumes on either', async () => {
  const cluster = await startCluster();
  server = cluster.a;
  const other = cluster.b;
  try {
    const shop = await tenant(server);
    const token = await channelToken(server, shop);
    let at: { epoch?: string; offset?: number } = {};
    const c = client(other.url, { transports: ['websocket'], auth: (cb: (data: object) => void) => cb({ token, ...at }) });
    c.socket.on('joined', (j: any) => (at = { epoch: j.epoch, offset: Math.max(j.offset, at.offset ?? 0) }));
    c.socket.onAny((_n: string, ...args: any[]) => {
      if (typeof args[1]?.offset === 'number') at.offset = Math.max(args[1].offset, at.offset ?? 0);
    });
    await c.next('joined');
    await postTenant(server, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-A', amount: 1, status: 'paid' });
    await c.next('new-notification', (n) => n.title.includes('ORD-A'));

    // Away for a moment, back on the other node: what it missed follows.
    c.socket.disconnect();
    await postTenant(other, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-B', amount: 2, status: 'paid' });
    await expect.poll(async () => (await api(shop, '/api/notifications?limit=1')).notifications[0].title).toContain('ORD-B');
    const from = c.events.length;
    (c.socket.io as any).uri = server.url;
    c.socket.connect();
    expect(await c.next('joined', () => true, from)).toMatchObject({ resumed: true });
    expect(String((c.socket.io.engine as any).port)).toBe(String(server.port));
    await c.next('new-notification', (n) => n.title.includes('ORD-B'), from);
  } finally {
    await cluster.stop();
  }
});

test("a page on another site keeps a live bell with socket.io-client", async ({ page }) => {
  const pagePort = await freePort();
  const pageOrigin = `http://127.0.0.1:${pagePort}`;
  server = await startServer({ env: { CORS_ALLOWED_ORIGINS: pageOrigin } });
  const shop = await tenant(server);
  const token = await channelToken(server, shop);
  const bundle = readFileSync(path.join(__dirname, '../node_modules/socket.io-client/dist/socket.io.min.js'));
  const html = `<!doctype html><title>Shop dashboard</title>
<p>Notifications: <span id="bell" data-live="no">…</span></p>
<script src="/socket.io.min.js"></script>
<script>
  const TIDINGS = ${JSON.stringify(server.url)}, TOKEN = ${JSON.stringify(token)};
  const bell = document.getElementById('bell');
  let unread = 0;
  async function load() {
    const r = await fetch(TIDINGS + '/api/notifications?includeRead=false', { headers: { authorization: 'Bearer ' + TOKEN } });
    unread = (await r.json()).data.unreadCount;
    bell.textContent = unread;
  }
  const socket = io(TIDINGS, { auth: { token: TOKEN } });
  socket.on('connect', () => { bell.dataset.live = 'yes'; socket.emit('join-tenant', ${shop.id}); });
  socket.on('disconnect', () => (bell.dataset.live = 'no'));
  socket.on('dashboard-refresh', (p) => { if (p.reason === 'resync') load(); });
  socket.on('new-notification', () => { unread += 1; bell.textContent = unread; });
  socket.on('notifications-marked-read', () => { unread = 0; bell.textContent = unread; });
</script>`;
  const site: HttpServer = createServer((req, res) => {
    if (req.url === '/socket.io.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    }
  });
  await new Promise<void>((resolve) => site.listen(pagePort, '127.0.0.1', resolve));
  try {
    await page.goto(pageOrigin);
    await expect(page.locator('#bell')).toHaveAttribute('data-live', 'yes');
    await expect(page.locator('#bell')).toHaveText('0');
    await postTenant(server, shop.secret, 'orders', { tenantId: shop.id, orderNumber: 'ORD-A', amount: 1, status: 'paid' });
    await expect(page.locator('#bell')).toHaveText('1');
    await postTenant(server, shop.secret, 'notifications', { tenantId: shop.id, title: 'Low stock', message: 'Widgets' });
    await expect(page.locator('#bell')).toHaveText('2');
    await api(shop, '/api/notifications/mark-all-read', { method: 'POST' });
    await expect(page.locator('#bell')).toHaveText('0');
  } finally {
    await new Promise((resolve) => site.close(resolve));
  }
});
