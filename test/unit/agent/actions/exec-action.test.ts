import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExecAction, type ExecActionOptions } from '../../../../src/agent/actions/exec-action';
import { captureContext, goneWithin, outputOf } from './capture-log';

describe('ExecAction (agent/actions/exec-action.ts)', () => {
  let pids: number[];
  const exec = (opts: Partial<ExecActionOptions> = {}) =>
    new ExecAction({ defaultTimeoutS: 30, killGraceMs: 500, onSpawn: (pid) => pids.push(pid), ...opts });
  const run = async (freezerAction: Record<string, unknown>, signal?: AbortSignal, opts?: Partial<ExecActionOptions>) => {
    const ctx = captureContext(signal);
    const outcome = await exec(opts).run({ action: 'exec', ...freezerAction }, ctx);
    return { outcome, lines: ctx.lines, stdout: outputOf(ctx.lines, 'stdout'), stderr: outputOf(ctx.lines, 'stderr') };
  };
  /** Polls `check` until it holds; fails after `ms` rather than hang to the suite's timeout. */
  const waitFor = async (check: () => boolean, ms = 10000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not true within ${ms} ms: ${check.toString()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  /** The pid the shell wrote, 0 until it has. */
  const readPid = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').trim()) || 0;
    } catch {
      return 0;
    }
  };

  beforeEach(() => {
    pids = [];
  });

  describe('results', () => {
    it('succeeds or fails by the last stage only, like the stock agent', async () => {
      assert.deepEqual((await run({ command: '/bin/false | /bin/true' })).outcome, { result: 'success' });
      const { outcome } = await run({ command: '/bin/true | /bin/false' });
      assert.equal(outcome.result, 'fail');
      assert.match(outcome.message ?? '', /exited with status 1/);
    });

    it('fails without spawning when the command is missing, empty or not a string', async () => {
      for (const command of [undefined, '', '   ', 42, ['ls']]) {
        const { outcome } = await run({ command });
        assert.equal(outcome.result, 'fail');
        assert.match(outcome.message ?? '', /needs a command/);
      }
      const { outcome } = await run({ command: '/bin/echo a || /bin/true' });
      assert.match(outcome.message ?? '', /empty pipeline stage/);
      assert.deepEqual(pids, []);
    });

    it('fails with a clear message when a command does not exist, in any stage', async () => {
      const alone = await run({ command: 'no-such-command-permafrost arg' });
      assert.equal(alone.outcome.result, 'fail');
      assert.match(alone.outcome.message ?? '', /stage 0 \(no-such-command-permafrost\): command not found/);
      pids = [];
      const middle = await run({ command: '/bin/echo x | no-such-command-permafrost | /usr/bin/wc -l' });
      assert.equal(middle.outcome.result, 'fail');
      assert.match(middle.outcome.message ?? '', /stage 1 \(no-such-command-permafrost\): command not found/);
      // The stages around the missing one did start: each of them must be gone.
      assert.ok(pids.length >= 1, 'no stage was reported spawned, so none could be checked');
      for (const pid of pids) assert.ok(await goneWithin(pid, 5000), `stage ${pid} is gone`);
    });

    it('fails on a bad timeout value', async () => {
      for (const timeout of ['soon', -1, 0, 'NaN']) {
        const { outcome } = await run({ command: '/bin/true', timeout });
        assert.equal(outcome.result, 'fail');
        assert.match(outcome.message ?? '', /timeout must be a positive number/);
      }
      assert.deepEqual(pids, []);
    });
  });

  describe('pipelines and splitting', () => {
    it('pipes each stage into the next', async () => {
      assert.deepEqual((await run({ command: '/bin/echo hello world | /usr/bin/tr a-z A-Z' })).stdout, ['HELLO WORLD']);
      const counted = await run({ command: '/usr/bin/printf a\\nb\\nc\\n | /usr/bin/wc -l' });
      assert.deepEqual(counted.stdout, ['3']);
      const line = counted.lines.find((l) => l.stream === 'stdout');
      assert.deepEqual([line?.jobId, line?.stage], ['job-1', 1]);
    });

    it('ends when a later stage stops reading (the writer gets SIGPIPE)', async () => {
      const { outcome, stdout } = await run({ command: '/usr/bin/yes | /usr/bin/head -n 2' });
      assert.equal(outcome.result, 'success');
      assert.deepEqual(stdout, ['y', 'y']);
    });

    it('uses no shell: no variables, quotes or globs; runs of spaces separate words', async () => {
      const { stdout } = await run({ command: "/bin/echo $HOME   'a  b' *" });
      assert.deepEqual(stdout, ["$HOME 'a b' *"]);
    });

    it('with shell: true (or "true"/"True") runs the command through /bin/sh -c', async () => {
      for (const shell of [true, 'true', 'True']) {
        const { outcome, stdout } = await run({ command: 'echo "$HOME" && echo "a  b" | tr a-z A-Z', shell });
        assert.equal(outcome.result, 'success');
        assert.deepEqual(stdout, [process.env.HOME, 'A  B']);
      }
      assert.deepEqual((await run({ command: 'echo $HOME', shell: 'yes' })).stdout, ['$HOME']);
    });

    it('logs stderr of every stage and gives the child the agent environment', async () => {
      process.env.EXEC_TEST_VARIABLE = 'from-the-agent';
      try {
        const { outcome, stdout, stderr } = await run({ command: 'echo "$EXEC_TEST_VARIABLE"; echo oops >&2; exit 3', shell: true });
        assert.deepEqual(outcome, { result: 'fail', message: 'the command exited with status 3' });
        assert.deepEqual(stdout, ['from-the-agent']);
        assert.deepEqual(stderr, ['oops']);
      } finally {
        delete process.env.EXEC_TEST_VARIABLE;
      }
    });

    it('trust 12: but none of its credentials or settings (OS_*, PERMAFROST_*)', async () => {
      const names = ['OS_APPLICATION_CREDENTIAL_SECRET', 'OS_PASSWORD', 'OS_TOKEN', 'PERMAFROST_AGENT_TOKEN', 'PERMAFROST_ADMIN_PASSWORD'];
      for (const name of names) process.env[name] = `secret-of-${name}`;
      try {
        const { outcome, stdout } = await run({ command: 'env' });
        assert.equal(outcome.result, 'success');
        assert.ok(stdout.some((l) => l.startsWith('PATH=')), stdout.join('\n'));
        assert.deepEqual(stdout.filter((l) => /^(OS_|PERMAFROST_)|secret-of-/.test(l)), []);
      } finally {
        for (const name of names) delete process.env[name];
      }
    });
  });

  describe('output bounds', () => {
    it('logs at most 1000 lines per stream, then one "output truncated" line', async () => {
      const { outcome, lines, stdout } = await run({ command: '/usr/bin/seq 1 5000' });
      assert.equal(outcome.result, 'success');
      assert.equal(stdout.length, 1000);
      assert.equal(stdout[999], '1000');
      assert.equal(lines.filter((l) => l.msg === 'output truncated').length, 1);
    });

    it('bounds a newline-less flood to 64 KiB', async () => {
      const { outcome, lines, stdout } = await run({ command: 'head -c 1000000 /dev/zero | tr "\\0" a', shell: true });
      assert.equal(outcome.result, 'success');
      assert.equal(stdout.join('').length, 64 * 1024);
      assert.equal(lines.filter((l) => l.msg === 'output truncated').length, 1);
    });
  });

  describe('timeout and abort', () => {
    it('kills the command after freezer_action.timeout seconds and fails', async () => {
      const started = Date.now();
      const { outcome } = await run({ command: '/bin/sleep 600', timeout: '1' });
      const took = Date.now() - started;
      assert.deepEqual(outcome, { result: 'fail', message: 'timed out after 1 s' });
      assert.ok(took >= 1000 && took < 1000 + 500 + 1500, `took ${took} ms`);
      assert.equal(pids.length, 1);
      assert.ok(await goneWithin(pids[0], 1000));
    });

    it('uses the default timeout when the action has none', async () => {
      const { outcome } = await run({ command: '/bin/sleep 600' }, undefined, { defaultTimeoutS: 0.3 });
      assert.deepEqual(outcome, { result: 'fail', message: 'timed out after 0.3 s' });
    });

    it('aborts: SIGTERM to the process group, result aborted, the process is gone', async () => {
      const controller = new AbortController();
      const running = run({ command: '/bin/sleep 600' }, controller.signal);
      await waitFor(() => pids.length === 1);
      controller.abort();
      const { outcome } = await running;
      assert.equal(outcome.result, 'aborted');
      assert.ok(await goneWithin(pids[0], 5000));
    });

    it('aborts every stage of a pipeline and the children they started', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'permafrost-exec-'));
      const pidFile = path.join(dir, 'grandchild.pid');
      try {
        const controller = new AbortController();
        const running = run({ command: `sleep 600 & echo $! > ${pidFile}; sleep 600; wait`, shell: true }, controller.signal);
        await waitFor(() => pids.length === 1 && readPid(pidFile) > 0);
        controller.abort();
        const started = Date.now();
        const { outcome } = await running;
        assert.equal(outcome.result, 'aborted');
        assert.ok(Date.now() - started < 5000);
        assert.ok(await goneWithin(pids[0], 5000), 'the shell is gone');
        assert.ok(await goneWithin(readPid(pidFile), 5000), 'its background child is gone');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('SIGKILLs a group that ignores SIGTERM after the grace period', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'permafrost-exec-'));
      const trapped = path.join(dir, 'trapped.pid');
      try {
        const controller = new AbortController();
        // The shell writes its pid once its trap is set: abort only then.
        const running = run({ command: `trap '' TERM; echo $$ > ${trapped}; /bin/sleep 600 | /bin/sleep 600`, shell: true }, controller.signal);
        await waitFor(() => pids.length === 1 && readPid(trapped) > 0);
        const started = Date.now();
        controller.abort();
        const { outcome } = await running;
        const took = Date.now() - started;
        assert.equal(outcome.result, 'aborted');
        assert.ok(took >= 450 && took < 3000, `took ${took} ms`);
        assert.ok(await goneWithin(pids[0], 5000));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('aborts both stages of a plain pipeline', async () => {
      const controller = new AbortController();
      const running = run({ command: '/bin/sleep 600 | /bin/sleep 601' }, controller.signal);
      await waitFor(() => pids.length === 2);
      controller.abort();
      assert.equal((await running).outcome.result, 'aborted');
      assert.equal(pids.length, 2);
      for (const pid of pids) assert.ok(await goneWithin(pid, 5000));
    });

    it('does not spawn when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const { outcome } = await run({ command: '/bin/sleep 600' }, controller.signal);
      assert.equal(outcome.result, 'aborted');
      assert.deepEqual(pids, []);
    });
  });
});
