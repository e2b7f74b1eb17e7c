import assert from 'node:assert/strict';
import { safeUrl, scrubCredentials } from '../../../../src/store/mongo/safe-url';

describe('mongo safeUrl', () => {
  it('drops user, password and options', () => {
    assert.equal(safeUrl('mongodb://admin:s3cret@db1:27017/permafrost?authSource=admin'), 'mongodb://db1:27017/permafrost');
    assert.equal(safeUrl('mongodb+srv://u:p%40ss@cluster0.example.net/pf'), 'mongodb+srv://cluster0.example.net/pf');
  });

  it('handles several hosts and URLs without credentials', () => {
    assert.equal(safeUrl('mongodb://u:p@a:1,b:2,c:3/db?replicaSet=rs0'), 'mongodb://a:1,b:2,c:3/db');
    assert.equal(safeUrl('mongodb://localhost:27017'), 'mongodb://localhost:27017');
  });

  it('scrubs credentials from any text', () => {
    assert.equal(scrubCredentials('failed for mongodb://u:pw@h/db and mongodb://x@y'), 'failed for mongodb://h/db and mongodb://y');
  });
});
