import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
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
  fs.writeFileSync(path.join(dir, 'authorized_keys'), fs.readFileSync(`${keyFile}.pub`), { mode: 0o600 });
  // sshd refuses to start as root without its privilege separation directory (others do not need it).
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // sshd cannot bind port 0 and report it ("Badly formatted port number"), so it gets a port that
  // was free a moment ago; another process may take it first, and then sshd is started again on another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = await startOn(dir, port, hostKey);
    if ('proc' in started) return { ...started, keyFile, hostKeyFingerprint: fingerprint(`${hostKey}.pub`) };
    if (attempt >= 5 || !/Address already in use|Cannot bind any address/.test(started.output)) throw new Error(`sshd did not start: ${started.error}\n${started.output}`);
  }
}

type Started = Omit<RunningSshd, 'keyFile' | 'hostKeyFingerprint'> & { proc: ChildProcess };

/** sshd on `port`, once it accepts connections; or why it did not start, with its output. */
async function startOn(dir: string, port: number, hostKey: string): Promise<Started | { error: string; output: string }> {
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHostsFile = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostPub}\n`);
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(config, sshdConfig(dir, port, hostKey));
  const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  try {
    // Its own line, not a connection test: another process on the port would accept too.
    await waitForListening(port, 30000, () => output, () => proc.exitCode !== null || proc.signalCode !== null);
  } catch (err) {
    proc.kill('SIGKILL');
    await exited;
    return { error: (err as Error).message, output };
  }
  return {
    host: '127.0.0.1', port, username: os.userInfo().username, knownHostsFile, dir, proc,
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
    'UsePAM no', 'StrictModes no', 'PermitRootLogin prohibit-password', 'Subsystem sftp internal-sftp',
    // INFO: sshd says "Server listening on 127.0.0.1 port N." once it has bound the port.
    'LogLevel INFO', '',
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

/** Polls sshd's output until it says it listens on `port`; gives up early when `dead()` says it exited. */
async function waitForListening(port: number, ms: number, output: () => string, dead: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!output().includes(`Server listening on 127.0.0.1 port ${port}.`)) {
    if (dead()) throw new Error('sshd exited');
    if (Date.now() > deadline) throw new Error(`sshd did not say it listens on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
