import net from 'node:net';
import { fail, ok, type Check } from './check';
import { jobsList } from './host-checks';
import type { JobNeeds } from './job-needs';

/** A TCP connect waits at most this long (the job's ssh_timeout if shorter). */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * SSH storage hosts answer on their port. The engine talks SSH with the ssh2 library (no `ssh`
 * program), so what the host needs is the route to them and the key files (checkFiles).
 */
export async function checkSshHosts(needs: JobNeeds | null): Promise<Check[]> {
  if (!needs) return [];
  return Promise.all(
    [...needs.hosts].map(async ([key, h]) => {
      const started = Date.now();
      const error = await connect(h.host, h.port, Math.min(CONNECT_TIMEOUT_MS, h.timeoutMs));
      const ms = Date.now() - started;
      if (error === null) return ok(`ssh ${key}`, `port ${h.port} answers (storage of ${jobsList(h.jobs)})`, ms);
      return fail(`ssh ${key}`, `cannot connect (${error}; storage of ${jobsList(h.jobs)}): check ssh_host, ssh_port and the network`, ms);
    }),
  );
}

/** null when a TCP connection to host:port opens within timeoutMs, else why not. */
export function connect(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (why: string | null) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}
