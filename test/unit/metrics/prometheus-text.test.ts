import assert from 'node:assert/strict';
import { parsePrometheusText } from '../../helpers/prometheus-text';

/** The test parser must read values as Prometheus does (Go's ParseFloat), no more, no less. */
describe('prometheus text parser (test helper): sample values', () => {
  const valueOf = (raw: string) => parsePrometheusText(`# TYPE g gauge\ng ${raw}\n`).get('g')!.samples[0].value;

  it('reads NaN and Inf in any case, as Prometheus does (prom-client writes NaN as Nan)', () => {
    assert.ok(Number.isNaN(valueOf('Nan')));
    assert.ok(Number.isNaN(valueOf('NaN')));
    assert.equal(valueOf('+Inf'), Infinity);
    assert.equal(valueOf('-inf'), -Infinity);
    assert.equal(valueOf('1.5e3'), 1500);
  });

  it('refuses a signed NaN and words that are not numbers', () => {
    for (const raw of ['-NaN', 'nanx', 'infinite', '0x10', '1,5']) assert.throws(() => valueOf(raw), /bad value/, raw);
  });
});
