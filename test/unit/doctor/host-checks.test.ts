import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summaryLine, fail, ok } from '../../../src/doctor/check';
import { checkJobsDir } from '../../../src/doctor/host-checks';

describe('doctor: the jobs dir (API mode) and the summary line', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-doctor-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a jobs dir that is a file, or below a file, is a FAIL naming it; nothing is created', () => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    const itself = checkJobsDir(file);
    assert.equal(itself.status, 'FAIL');
    assert.equal(itself.detail, `${file} is not a directory; choose another with --jobs-dir`);
    const below = checkJobsDir(path.join(file, 'jobs', 'x'));
    assert.equal(below.status, 'FAIL');
    assert.equal(below.detail, `${file} is not a directory, so ${path.join(file, 'jobs', 'x')} cannot be created; choose another with --jobs-dir`);
  });

  it('a jobs dir still to be made is ok when its nearest existing parent is writable, and is not made', () => {
    const jobs = path.join(dir, 'a', 'jobs');
    const check = checkJobsDir(jobs);
    assert.equal(check.status, 'ok');
    assert.match(check.detail, new RegExp(`the agent will create it in ${dir}`));
    assert.equal(fs.existsSync(path.join(dir, 'a')), false);
  });

  it('the summary line takes a verdict when the checks could not get that far', () => {
    assert.equal(summaryLine([ok('node', 'v20'), fail('config', 'x')], 'the agent configuration is invalid'), '1 ok, 1 FAIL, 0 skipped: the agent configuration is invalid');
  });
});
