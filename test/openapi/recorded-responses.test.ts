import assert from 'node:assert/strict';
import fs from 'node:fs';
import { request, recordingFile, type RecordedResponse } from '../helpers/http';
import { JWT_ENV } from '../helpers/identity';
import { OpenApiChecker } from '../helpers/openapi-check';
import { startServer } from '../helpers/server';

/**
 * Runs last in `npm test` (the script lists this file after the unit and integration suites and
 * sets PERMAFROST_RECORD_RESPONSES): every response the integration tests received through
 * test/helpers/http.ts was recorded, and each must be described by /openapi.json.
 */
describe('openapi: responses recorded in this run', function () {
  this.timeout(120_000);

  it('openapi: every response the integration tests received validates against /openapi.json', async function () {
    const file = recordingFile();
    if (!file || !fs.existsSync(file)) this.skip();
    const recorded = fs
      .readFileSync(file as string, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RecordedResponse);
    const server = await startServer({ env: JWT_ENV });
    let doc: Record<string, unknown>;
    try {
      doc = (await request(`${server.url}/openapi.json`)).json;
    } finally {
      await server.stop();
    }
    const checker = new OpenApiChecker(doc);
    const problems = new Map<string, number>();
    const seen = new Set<string>();
    for (const rec of recorded) {
      const { operation, problem } = checker.check(rec);
      if (operation) seen.add(operation);
      if (problem) problems.set(problem, (problems.get(problem) ?? 0) + 1);
    }
    const unseen = checker.operations().filter((op) => !seen.has(op));
    console.log(`      ${recorded.length} responses checked; ${unseen.length} operations of the document no test called${unseen.length ? ` (e.g. ${unseen.slice(0, 5).join(', ')})` : ''}`);
    const list = [...problems].map(([p, n]) => `${n} x ${p}`);
    assert.equal(list.length, 0, `responses not as /openapi.json describes them:\n${list.slice(0, 40).join('\n')}`);
    fs.rmSync(file as string, { force: true });
  });
});
