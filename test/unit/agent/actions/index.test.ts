import assert from 'node:assert/strict';
import { createActionRunners, ExecAction, InfoAction } from '../../../../src/agent/actions';
import { captureContext } from './capture-log';

describe('createActionRunners (agent/actions/index.ts)', () => {
  const runners = createActionRunners({ defaultTimeoutS: null });

  it('has exec and info, and stand-ins for the backup engine actions', async () => {
    assert.deepEqual([...runners.keys()].sort(), ['admin', 'backup', 'exec', 'info', 'restore']);
    assert.ok(runners.get('exec') instanceof ExecAction);
    assert.ok(runners.get('info') instanceof InfoAction);
    for (const action of ['backup', 'restore', 'admin']) {
      assert.deepEqual(await runners.get(action)?.run({ action }, captureContext()), {
        result: 'fail',
        message: `the ${action} action needs the backup engine (not in this version)`,
      });
    }
  });

  it('runs an exec end to end', async () => {
    const ctx = captureContext();
    assert.deepEqual(await runners.get('exec')?.run({ action: 'exec', command: '/bin/true' }, ctx), { result: 'success' });
  });
});
