// Real Hyperledger ACA-Py agents for a browser test: `aca-py` from the
// virtual environment the test command makes (TIDINGS_TEST_ACAPY), on free
// loopback ports, no ledger, each wallet in a private temporary home;
// stopped by the test.
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './server';

export const ACAPY = process.env.TIDINGS_TEST_ACAPY;

export interface Agent {
  admin: string;
  /** Receives an out-of-band invitation URL, as a phone that scanned it. */
  receive(invitationUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export type Role = { university: { webhookUrl: string } } | 'wallet';

/** Starts an agent with its admin API on `adminPort`; resolves once ready. */
export async function startAgent(label: string, adminPort: number, role: Role): Promise<Agent> {
  if (!ACAPY) throw new Error('TIDINGS_TEST_ACAPY must name aca-py (run scripts/test)');
  const home = mkdtempSync(path.join(tmpdir(), 'tidings-acapy-'));
  const inbound = await freePort();
  const args = ['start', '--label', label, '--inbound-transport', 'http', '127.0.0.1', String(inbound), '--outbound-transport', 'http',
    '--endpoint', `http://127.0.0.1:${inbound}`, '--admin', '127.0.0.1', String(adminPort), '--admin-insecure-mode',
    '--wallet-type', 'askar', '--wallet-name', 'e2e', '--wallet-key', 'e2e-wallet-key',
    '--wallet-key-derivation-method', 'kdf:argon2i:int', '--auto-provision', '--no-ledger'];
  if (role === 'wallet') args.push('--auto-accept-invites');
  else args.push('--auto-accept-requests', '--webhook-url', role.university.webhookUrl);
  const log = openSync(path.join(home, 'agent.log'), 'w');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.WEBHOOK_URL; // ACA-Py would add it as one more webhook target
  const child = spawn(ACAPY, args, { env, stdio: ['ignore', log, log] });
  const admin = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 90_000;
  // Polling: the agent gives no other sign of readiness.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aca-py ${label} exited: ${readFileSync(path.join(home, 'agent.log'), 'utf8')}`);
    const ready = await fetch(`${admin}/status/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`aca-py ${label} not ready in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    admin,
    async receive(invitationUrl: string) {
      const encoded = new URL(invitationUrl).searchParams.get('oob')!;
      const invitation = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
      const response = await fetch(`${admin}/out-of-band/receive-invitation?auto_accept=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(invitation),
      });
      if (!response.ok) throw new Error(`receive-invitation: ${response.status} ${await response.text()}`);
    },
    stop: () => stopAgent(child, home),
  };
}

function stopAgent(child: ChildProcess, home: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      rmSync(home, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}
