import assert from 'node:assert/strict';
import { CRON_FIELDS, type CronFieldName } from '../../../src/schedule/cron-field-def';
import { nodeCronValues } from '../../../src/schedule/node-cron-values';
import { parseCronField, type RangeTerm } from '../../../src/schedule/parse-cron-field';

describe('node-cron expansion of the standard fields (schedule/node-cron-values.ts)', () => {
  const expand = (name: CronFieldName, text: string) => {
    const def = CRON_FIELDS.find((f) => f.name === name)!;
    const terms = parseCronField(def, text).filter((t): t is RangeTerm => t.kind === 'range');
    return [...nodeCronValues(def, terms, text)].sort((a, b) => a - b);
  };

  it('weekdays go to node-cron by name and come back numbered from Monday = 0', () => {
    assert.deepEqual(expand('day_of_week', '0'), [0]);
    assert.deepEqual(expand('day_of_week', 'sun'), [6]);
    assert.deepEqual(expand('day_of_week', '*'), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(expand('day_of_week', 'mon-fri'), [0, 1, 2, 3, 4]);
    assert.deepEqual(expand('day_of_week', '5-6'), [5, 6]);
    assert.deepEqual(expand('day_of_week', '*/2'), [0, 2, 4, 6]);
    assert.deepEqual(expand('day_of_week', 'wed/2'), [2, 4, 6]);
    assert.deepEqual(expand('day_of_week', 'tue-sun/3'), [1, 4]);
  });

  it('other fields keep their numbers', () => {
    assert.deepEqual(expand('minute', '*/20'), [0, 20, 40]);
    assert.deepEqual(expand('hour', '22/1'), [22, 23]);
    assert.deepEqual(expand('day', '1-31/10'), [1, 11, 21, 31]);
    assert.deepEqual(expand('month', 'feb-apr,nov'), [2, 3, 4, 11]);
    assert.deepEqual(expand('second', '7'), [7]);
  });
});
