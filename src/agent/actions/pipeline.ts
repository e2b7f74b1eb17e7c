import { spawn, type ChildProcess } from 'node:child_process';
import { pipeline as pipe, type Readable } from 'node:stream';
import type { OutputLog } from './output-log';
import { signalGroup } from '../../engine';

export interface PipelineOptions {
  env: NodeJS.ProcessEnv;
  output: OutputLog;
  /** After terminate(): how long the groups get between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** Told the pid of every stage that started (tests use it to check nothing survives). */
  onSpawn?: (pid: number, stage: number) => void;
}

/** How the pipeline ended. */
export interface PipelineEnd {
  /** Exit status of the last stage; null if it was killed by a signal or never ran. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when a stage could not be started (e.g. the command does not exist). */
  spawnError: string | null;
}

interface Stage {
  argv: string[];
  child: ChildProcess | null;
  pid: number | null;
  exited: boolean;
}

/** After the last stage exits, how long its output may still arrive before it is cut off. */
const DRAIN_MS = 1000;
/** How often a terminated pipeline checks whether its process groups are gone. */
const GROUP_POLL_MS = 100;

/**
 * Runs stages connected stdout to stdin, each detached so that it leads its own process group:
 * terminate() can then signal a stage together with everything it started.
 */
export class Pipeline {
  readonly done: Promise<PipelineEnd>;
  private readonly stages: Stage[];
  private resolve: (end: PipelineEnd) => void = () => undefined;
  private spawnError: string | null = null;
  private finishing = false;
  private terminating = false;
  private killTimer: NodeJS.Timeout | undefined;
  private killed = false;

  private constructor(argvs: string[][], private readonly opts: PipelineOptions) {
    this.stages = argvs.map((argv) => ({ argv, child: null, pid: null, exited: false }));
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  static start(argvs: string[][], opts: PipelineOptions): Pipeline {
    const pipeline = new Pipeline(argvs, opts);
    pipeline.spawnAll();
    return pipeline;
  }

  /** SIGTERM every stage's group now, SIGKILL whatever is left after the grace period. */
  terminate(): void {
    if (this.terminating) return;
    this.terminating = true;
    this.signalAll('SIGTERM');
    this.killTimer = setTimeout(() => {
      this.killed = true;
      this.signalAll('SIGKILL');
    }, this.opts.killGraceMs);
  }

  private spawnAll(): void {
    let previous: ChildProcess | null = null;
    for (const [index, stage] of this.stages.entries()) {
      if (this.spawnError !== null) {
        stage.exited = true;
        continue;
      }
      previous = this.spawnStage(stage, index, previous);
    }
    const last = this.stages[this.stages.length - 1].child;
    if (last?.stdout) this.opts.output.attach(last.stdout, 'stdout', this.stages.length - 1);
    this.checkDone();
  }

  private spawnStage(stage: Stage, index: number, previous: ChildProcess | null): ChildProcess | null {
    let child: ChildProcess;
    try {
      child = spawn(stage.argv[0], stage.argv.slice(1), {
        detached: true,
        env: this.opts.env,
        stdio: [index === 0 ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      this.failSpawn(stage, index, err as Error);
      return null;
    }
    stage.child = child;
    child.once('error', (err) => this.onError(stage, index, err));
    child.once('exit', () => this.onExit(stage));
    if (child.pid !== undefined) {
      stage.pid = child.pid;
      this.opts.onSpawn?.(child.pid, index);
    }
    // Errors here are EPIPE when a stage exits before reading all its input; pipeline() then
    // destroys the upstream end so the writer gets SIGPIPE, as in a shell pipeline.
    if (previous?.stdout && child.stdin) pipe(previous.stdout, child.stdin, () => undefined);
    else previous?.stdout?.resume();
    if (child.stderr) this.opts.output.attach(child.stderr, 'stderr', index);
    return child;
  }

  private onError(stage: Stage, index: number, err: Error): void {
    // Only a failed spawn reports an error without a pid; we never kill through the handle.
    if (stage.pid === null) this.failSpawn(stage, index, err);
  }

  private failSpawn(stage: Stage, index: number, err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'command not found' : code === 'EACCES' ? 'permission denied' : err.message;
    this.spawnError ??= `cannot run stage ${index} (${stage.argv[0]}): ${why}`;
    stage.exited = true;
    // The other stages cannot produce a result without this one.
    this.terminate();
    this.checkDone();
  }

  private onExit(stage: Stage): void {
    stage.exited = true;
    this.checkDone();
  }

  private checkDone(): void {
    if (this.finishing || !this.stages.every((s) => s.exited)) return;
    this.finishing = true;
    void this.finish();
  }

  private async finish(): Promise<void> {
    if (this.terminating) await this.groupsGone();
    clearTimeout(this.killTimer);
    await this.drainOutput();
    const last = this.stages[this.stages.length - 1].child;
    this.resolve({
      code: this.spawnError === null ? (last?.exitCode ?? null) : null,
      signal: last?.signalCode ?? null,
      spawnError: this.spawnError,
    });
  }

  /** A stage's children may outlive it: wait for its group to go, or for the SIGKILL. */
  private async groupsGone(): Promise<void> {
    while (!this.killed && this.stages.some((s) => s.pid !== null && signalGroup(s.pid, 0))) {
      await sleep(GROUP_POLL_MS);
    }
  }

  /** Lets buffered output reach the log, but a background child holding a pipe cannot stall us. */
  private async drainOutput(): Promise<void> {
    const streams = this.stages.flatMap((s) => [s.child?.stdout, s.child?.stderr]).filter((s): s is Readable => !!s);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(streams.map(closed)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS))),
    ]);
    clearTimeout(timer);
    for (const stream of streams) stream.destroy();
  }

  private signalAll(signal: NodeJS.Signals): void {
    for (const stage of this.stages) if (stage.pid !== null) signalGroup(stage.pid, signal);
  }
}

function closed(stream: Readable): Promise<void> {
  if (stream.closed || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
