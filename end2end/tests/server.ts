// Starts and stops real Tidings servers for a test, and runs the `simulate`
// command against them. The binary and site come from `cargo leptos build`
// (scripts/test passes their paths).
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';

const BIN = process.env.TIDINGS_BIN;
const SITE_ROOT = process.env.LEPTOS_SITE_ROOT;
export const SECRET = 'e2e-webhook-secret';
export const ADMIN = { email: 'admin@e2e.test', password: 'e2e-admin-password' };

export interface Server {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

// Data directories outlive a stopped server (a test may restart on one),
// so they are removed when this worker process exits.
const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-e2e-'));
  created.push(dir);
  return dir;
}

function env(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  if (!BIN || !SITE_ROOT) throw new Error('TIDINGS_BIN and LEPTOS_SITE_ROOT must be set (run scripts/test)');
  return {
    ...process.env,
    LEPTOS_OUTPUT_NAME: 'tidings',
    LEPTOS_SITE_ROOT: SITE_ROOT,
    LEPTOS_SITE_PKG_DIR: 'pkg',
    // The build names files by their content (hash.txt beside the binary).
    LEPTOS_HASH_FILES: 'true',
    TIDINGS_DATA_DIR: dataDir,
    WEBHOOK_SECRET: SECRET,
    TIDINGS_ADMIN_EMAIL: ADMIN.email,
    TIDINGS_ADMIN_PASSWORD: ADMIN.password,
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    // Every test's browser comes from one address.
    SESSIONS_PER_MINUTE_PER_IP: '100000',
    ...extra,
  };
}

/** Starts a server (port 0 picks a free one) and resolves once it listens. */
export function startServer(opts: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<Server> {
  const dataDir = opts.dataDir ?? newDataDir();
  const child = spawn(BIN!, ['serve'], {
    env: env(dataDir, { LEPTOS_SITE_ADDR: `127.0.0.1:${opts.port ?? 0}`, ...(opts.env ?? {}) }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/running at (http:\/\/[\d.]+:(\d+))/);
      if (m) {
        // Once: a warning it prints later must not run this again (and
        // take the exit listener `stop` waits on).
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        child.removeAllListeners('exit');
        resolve({ url: m[1], port: Number(m[2]), dataDir, stop: () => stop(child) });
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs `tidings simulate scan …` against the server at `serverUrl`. */
export function simulateScan(serverUrl: string, dataDir: string, args: string[]): Promise<string> {
  return run(['simulate', 'scan', '--server', serverUrl, ...args], dataDir, {});
}

/** Runs `tidings simulate …` against `server` with its secrets. */
export function simulate(server: Server, args: string[]): Promise<string> {
  return run(['simulate', ...args], server.dataDir, { TIDINGS_URL: server.url });
}

function run(args: string[], dataDir: string, extra: Record<string, string>): Promise<string> {
  const child = spawn(BIN!, args, { env: env(dataDir, extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`tidings ${args.join(' ')} failed (${code}): ${out}`))));
  });
}

/** Runs `tidings admin …` on the server's database; returns what it printed. */
export function admin(server: Server, args: string[]): Promise<string> {
  return run(['admin', ...args], server.dataDir, {});
}

/** Signs `page` in through the login page and waits for the next page. */
export async function signIn(page: import('@playwright/test').Page, server: Server, user = ADMIN, next = '/whatsapp') {
  await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
  await page.locator('body[data-hydrated="true"]').waitFor();
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === next.split('?')[0]);
}

/** A tenant's new signing secret, generated as the signed-in admin of `page`. */
export async function tenantSecret(page: import('@playwright/test').Page, server: Server): Promise<string> {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'tidings_csrf')!.value;
  const response = await page.request.post(`${server.url}/api/webhooks/settings/generate-secret`, { headers: { 'X-CSRF-Token': csrf } });
  return (await response.json()).data.secret;
}

let messageCounter = 0;

/** Posts a tenant webhook signed with Standard Webhooks, as a shop would. */
export async function postTenant(server: Server, secret: string, kind: string, payload: object): Promise<void> {
  const { createHmac } = await import('node:crypto');
  const body = JSON.stringify(payload);
  const id = `msg_e2e_${++messageCounter}_${Date.now()}`;
  const ts = Math.floor(Date.now() / 1000).toString();
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  const response = await fetch(`${server.url}/api/webhooks/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${signature}` },
    body,
  });
  if (!response.ok) throw new Error(`${kind}: ${response.status} ${await response.text()}`);
}

export interface Redis {
  url: string;
  stop(): Promise<void>;
}

/** A free loopback port (for a server that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A new database on the private PostgreSQL the test command started
 * (`TIDINGS_TEST_POSTGRES`, an admin URL), as a `DATABASE_URL`; without
 * one, nothing: the nodes share the data directory's SQLite file.
 */
export function newPostgresDatabase(): Record<string, string> {
  const admin = process.env.TIDINGS_TEST_POSTGRES;
  if (!admin) return {};
  const name = `e2e_${randomUUID().replaceAll('-', '')}`;
  const created = spawnSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`could not create a database: ${created.stderr}`);
  return { DATABASE_URL: `${admin.slice(0, admin.lastIndexOf('/'))}/${name}` };
}

/** Starts a private Redis (Debian's redis-server, in memory) on loopback. */
export async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`redis-server exited early (${code}): ${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        // Once: what it logs later (its shutdown) must not run this again.
        child.stdout!.removeAllListeners('data');
        child.removeAllListeners('exit');
        child.stdout!.resume();
        resolve({ url: `redis://127.0.0.1:${port}/`, stop: () => stop(child) });
      }
    });
  });
}

export interface Cluster {
  a: Server;
  b: Server;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Two nodes on one database (PostgreSQL when the test command runs one,
 * else the data directory's SQLite file) with a private Redis bus between
 * them. `stop` stops node b and Redis; node a is the caller's to stop.
 */
export async function startCluster(): Promise<Cluster> {
  const redis = await startRedis();
  const dataDir = newDataDir();
  const nodes = { REDIS_URL: redis.url, ...newPostgresDatabase() };
  const a = await startServer({ dataDir, env: { ...nodes, NODE_ID: 'node-a' } });
  const b = await startServer({ dataDir, env: { ...nodes, NODE_ID: 'node-b' } });
  return {
    a,
    b,
    dataDir,
    stop: async () => {
      await b.stop();
      await redis.stop();
    },
  };
}
