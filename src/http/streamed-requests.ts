import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** One streamed request: the route calls `touch` per line and `done` when the request has ended. */
export interface StreamedRequest {
  /** How long the client may stream, seconds (told to it in the answer's first line). */
  readonly seconds: number;
  touch(): void;
  done(): void;
}

/** Past `seconds`, a client that has not ended its stream gets this long (at most `seconds` again) before it is cut. */
const GRACE_MS = 30_000;

/** Node's answers to a client error when no response has started (lib/_http_server.js). */
const CLIENT_ERROR_ANSWERS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};

/**
 * Requests that stream for minutes (POST /run-reports) on a server whose request timeout
 * (request_timeout_ms, against clients that stall mid-upload) is far shorter. Node applies that
 * timeout to every request alike, so the server's 'clientError' handler lets it pass for these
 * sockets only, and each stream is held to bounds of its own instead: cut when no line came for
 * the request timeout, or when it outlives `seconds` plus a grace. Any other client error gets
 * Node's own answer (408, 431, 413 or 400, Connection: close) when no response has started.
 */
export class StreamedRequests {
  private readonly open = new Map<Duplex, () => void>();
  private readonly responses = new WeakMap<Duplex, ServerResponse>();

  constructor(
    readonly seconds: number,
    private readonly idleMs: number,
  ) {}

  /** Handles the server's client errors (call once, before it listens). */
  install(server: Server): void {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.responses.set(req.socket, res));
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.clientError(err, socket));
  }

  /** The request on `req` streams: the request timeout no longer applies to it, these bounds do. */
  admit(req: IncomingMessage): StreamedRequest {
    const socket = req.socket;
    const cut = (): void => {
      socket.destroy();
    };
    // touch() only notes the time (it runs per chunk); the timer looks at it when it fires.
    let touchedAt = Date.now();
    let idle: NodeJS.Timeout | null = null;
    const checkIdle = (): void => {
      const quiet = Date.now() - touchedAt;
      if (quiet >= this.idleMs) cut();
      else idle = setTimeout(checkIdle, this.idleMs - quiet);
    };
    if (this.idleMs > 0) idle = setTimeout(checkIdle, this.idleMs);
    const deadline = setTimeout(cut, this.seconds * 1000 + Math.min(GRACE_MS, this.seconds * 1000));
    const done = (): void => {
      if (idle) clearTimeout(idle);
      clearTimeout(deadline);
      this.open.delete(socket);
      socket.off('close', done);
    };
    this.open.set(socket, cut);
    socket.once('close', done);
    return {
      seconds: this.seconds,
      touch: () => {
        touchedAt = Date.now();
      },
      done,
    };
  }

  /** Cuts every open stream (the server stops: their clients send the lines again elsewhere). */
  closeAll(): void {
    for (const cut of [...this.open.values()]) cut();
  }

  private clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    // The stream's own bounds apply; Node has already stopped timing this request.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && this.open.has(socket)) return;
    const res = this.responses.get(socket);
    const started = res !== undefined && res.headersSent && !res.writableFinished;
    if (socket.writable && !started) {
      const answer = (err.code && CLIENT_ERROR_ANSWERS[err.code]) ?? '400 Bad Request';
      socket.write(`HTTP/1.1 ${answer}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy(err);
  }
}
