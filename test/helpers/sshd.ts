import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server';

export interface RunningSshd {
  host: '127.0.0.1';
  port: number;
  username: string;
  /** Client private key (ed25519, no passphrase) that authorized_keys lets in. */
  keyFile: string;
  /** Holds `[127.0.0.1]:port <host key>` only. */
  knownHostsFile: string;
  /** `SHA256:...` of the host key, as ssh-keygen -l prints it. */
  hostKeyFingerprint: string;
  /** Temp dir with the keys and config (removed by stop). */
  dir: string;
  logs(): string;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const SCRIPT = path.resolve(__dirname, '../../../scripts/debian-packages.sh');

/**
 * A real OpenSSH server on 127.0.0.1 for the current user, key login only, with its own keys in
 * a temp dir. null when openssh-server is missing and cannot be installed (the caller skips).
 */
export async function startSshd(): Promise<RunningSshd | null> {
  if (!installSshd()) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-sshd-'));
  try {
    return await launch(dir);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function installSshd(): boolean {
  const run = spawnSync('bash', [SCRIPT, 'openssh-server'], { encoding: 'utf8', timeout: 300000 });
  return run.status === 0 && fs.existsSync(SSHD) && spawnSync('ssh-keygen', ['-?']).error === undefined;
}

async function launch(dir: string): Promise<RunningSshd> {
  const hostKey = keygen(dir, 'host_key');
  const keyFile = keygen(dir, 'client_key');
  const port = await freePort();
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), fs.readFileSync(`${keyFile}.pub`), { mode: 0o600 });
  const knownHostsFile = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostPub}\n`);
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(config, sshdConfig(dir, port, hostKey));
  // sshd refuses to start as root without its privilege separation directory (others do not need it).
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    await waitForPort(port, 10000, () => proc.exitCode !== null || proc.signalCode !== null);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`sshd did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    host: '127.0.0.1', port, username: os.userInfo().username, keyFile, knownHostsFile, dir,
    hostKeyFingerprint: fingerprint(`${hostKey}.pub`),
    logs: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sshdConfig(dir: string, port: number, hostKey: string): string {
  return [
    'ListenAddress 127.0.0.1', `Port ${port}`, `HostKey ${hostKey}`, `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'StrictModes no', 'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp', 'LogLevel ERROR', '',
  ].join('\n');
}

function keygen(dir: string, name: string): string {
  const file = path.join(dir, name);
  const run = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `permafrost-test-${name}`, '-f', file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ssh-keygen failed: ${run.stderr}`);
  return file;
}

function fingerprint(pubFile: string): string {
  const run = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' });
  const found = /SHA256:\S+/.exec(run.stdout);
  if (!found) throw new Error(`ssh-keygen -l gave no fingerprint: ${run.stdout}${run.stderr}`);
  return found[0];
}

/** Polls until 127.0.0.1:port accepts a TCP connection; gives up early when `dead()` says the server exited. */
async function waitForPort(port: number, ms: number, dead: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await accepts(port))) {
    if (dead()) throw new Error('sshd exited');
    if (Date.now() > deadline) throw new Error(`port ${port} not open after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
