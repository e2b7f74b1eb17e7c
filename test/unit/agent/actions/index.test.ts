import assert from 'node:assert/strict';
import { createActionRunners, EngineAction, ExecAction, InfoAction } from '../../../../src/agent/actions';
import { captureContext } from './capture-log';

describe('createActionRunners (agent/actions/index.ts)', () => {
  const runners = createActionRunners({ defaultTimeoutS: null });

  it('has exec, info and the engine actions, which fail clearly on bad options', async () => {
    assert.deepEqual([...runners.keys()].sort(), ['admin', 'backup', 'exec', 'info', 'restore']);
    assert.ok(runners.get('exec') instanceof ExecAction);
    assert.ok(runners.get('info') instanceof InfoAction);
    for (const action of ['backup', 'restore', 'admin']) {
      assert.ok(runners.get(action) instanceof EngineAction);
      assert.deepEqual(await runners.get(action)?.run({ action, mode: 'mysql' }, captureContext()), {
        result: 'fail',
        message: `${action} failed: mode 'mysql' is not supported by this agent: it backs up files and directories (mode fs)`,
      });
    }
  });

  it('runs an exec end to end', async () => {
    const ctx = captureContext();
    assert.deepEqual(await runners.get('exec')?.run({ action: 'exec', command: '/bin/true' }, ctx), { result: 'success' });
  });
});
