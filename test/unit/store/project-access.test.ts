import assert from 'node:assert/strict';
import { ForbiddenError } from '../../../src/errors';
import { assertWritable, readableProjects } from '../../../src/store/project-access';
import type { Scope } from '../../../src/store/types';

describe('project access of v1 scopes (store/project-access.ts)', () => {
  const access = { read: ['projA', 'projB'], write: ['projA'] };
  const v1: Scope = { userId: 'alice', projectId: null };
  const limited: Scope = { ...v1, projects: access };
  // A scope naming its project is confined by that project alone, even one built by spreading a
  // limited v1 scope: its access lists are not a second, wider, project filter.
  const v2: Scope = { ...limited, projectId: 'projC' };

  it('lets a limited v1 scope read its own project-less documents and its readable projects', () => {
    assert.deepEqual(readableProjects(limited), ['', 'projA', 'projB']);
    assert.deepEqual(readableProjects({ ...v1, projects: { read: [], write: [] } }), ['']);
  });

  it('limits neither an unlimited v1 scope nor a scope that names its project', () => {
    assert.equal(readableProjects(v1), null);
    assert.equal(readableProjects({ ...v1, projects: null }), null);
    assert.equal(readableProjects(v2), null);
  });

  it('refuses (403) a limited v1 scope a change to a project it may only read', () => {
    assert.throws(() => assertWritable(limited, 'projB'), ForbiddenError);
    assert.throws(() => assertWritable(limited, 'projC'), ForbiddenError);
    assert.doesNotThrow(() => assertWritable(limited, 'projA'));
    assert.doesNotThrow(() => assertWritable(limited, ''), "v1's own documents");
  });

  it('lets an unlimited v1 scope, and a scope that names its project, change any document it reaches', () => {
    for (const project of ['projA', 'projB', '']) {
      assert.doesNotThrow(() => assertWritable(v1, project), project);
      assert.doesNotThrow(() => assertWritable(v2, project), project);
    }
  });
});
