// What a seed 002 / 004 front end's back end does before its page opens a
// Socket.IO connection: an API key, and a channel token minted with it.
import { request as playwrightRequest, APIRequestContext } from '@playwright/test';
import { io, Socket, ManagerOptions, SocketOptions } from 'socket.io-client';
import { ADMIN, Server } from './server';

export interface Tenant {
  id: number;
  apiKey: string;
  secret: string;
}

/** Signs in as the admin through the API (cookies kept by the context). */
export async function adminApi(server: Server): Promise<{ api: APIRequestContext; csrf: string }> {
  const api = await playwrightRequest.newContext({ baseURL: server.url });
  const login = await api.post('/api/auth/login', { data: ADMIN });
  if (!login.ok()) throw new Error(`login: ${login.status()}`);
  const csrf = (await api.storageState()).cookies.find((c) => c.name === 'tidings_csrf')!.value;
  return { api, csrf };
}

/** Tenant `id` (created unless it is the first), its API key and webhook secret. */
export async function tenant(server: Server, name?: string): Promise<Tenant> {
  const { api, csrf } = await adminApi(server);
  const headers = { 'X-CSRF-Token': csrf };
  let id = 1;
  if (name) {
    const created = await api.post('/api/tenants', { headers, data: { name } });
    id = (await created.json()).data.tenantId;
  }
  const key = await api.post(`/api/tenants/${id}/api-keys`, { headers, data: { name: 'front end' } });
  const apiKey = (await key.json()).data.secret;
  const generated = await api.post('/api/webhooks/settings/generate-secret', { headers: { ...headers, 'x-tenant-id': String(id) } });
  const secret = (await generated.json()).data.secret;
  await api.dispose();
  return { id, apiKey, secret };
}

/** A channel token for `tenant:<id>`, minted with the tenant's API key. */
export async function channelToken(server: Server, t: Tenant): Promise<string> {
  const response = await fetch(`${server.url}/api/realtime/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: `tenant:${t.id}` }),
  });
  if (!response.ok) throw new Error(`token: ${response.status}`);
  return (await response.json()).token;
}

/** A Socket.IO client that records every event it gets, in order. */
export class Client {
  readonly socket: Socket;
  readonly events: { name: string; args: unknown[] }[] = [];
  private waiters: (() => void)[] = [];

  constructor(url: string, opts: Partial<ManagerOptions & SocketOptions>) {
    this.socket = io(url, { reconnectionDelay: 100, reconnectionDelayMax: 500, ...opts });
    this.socket.onAny((name: string, ...args: unknown[]) => {
      this.events.push({ name, args });
      this.waiters.splice(0).forEach((w) => w());
    });
    for (const name of ['connect', 'connect_error', 'disconnect']) {
      this.socket.on(name, (...args: unknown[]) => {
        this.events.push({ name, args });
        this.waiters.splice(0).forEach((w) => w());
      });
    }
  }

  /** The first event named `name` (after `from` events) that `match` accepts. */
  async next(name: string, match: (payload: any) => boolean = () => true, from = 0): Promise<any> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.name === name && match(e.args[0]));
      if (found) return found.args[0];
      if (Date.now() > deadline) throw new Error(`no ${name} event; got ${this.events.map((e) => e.name).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  }

  count(name: string): number {
    return this.events.filter((e) => e.name === name).length;
  }

  /** Emits with an acknowledgement and resolves with it. */
  ask(name: string, data: unknown): Promise<any> {
    return this.socket.timeout(10_000).emitWithAck(name, data);
  }

  close() {
    this.socket.disconnect();
  }
}
