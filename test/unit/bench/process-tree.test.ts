import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { sampleTree } from '../../../bench/process-tree';

const MIB = 1024;

describe('bench/process-tree: the engine benchmark sums the memory of the whole pipeline', () => {
  it('lists the root, its children and grandchildren, each with its own resident memory', async function () {
    this.timeout(30_000);
    // Two node processes of 48 MiB each, one a child and one a grandchild of sh, held alive
    // until the test closes their stdin; each says "ready" once its memory is touched.
    const hold = `${JSON.stringify(process.execPath)} -e "const b = Buffer.alloc(48 << 20, 1); console.log('ready', b.length); process.stdin.resume(); process.stdin.on('end', () => process.exit(0))"`;
    // (sh gives a background command /dev/null as stdin, so the pipe is handed over as fd 3.)
    const inner = `sh -c '${hold.replace(/'/g, `'\\''`)}; :'`;
    const root = spawn('sh', ['-c', `exec 3<&0; ${hold} <&3 & ${inner} <&3 & wait`], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await readyLines(root.stdout, 2, 20_000);
      const tree = sampleTree(root.pid!);
      assert.equal(tree[0].pid, root.pid, 'the root comes first');
      const holders = tree.filter((p) => p.name === 'node');
      assert.equal(holders.length, 2, `both holders, the grandchild too: ${JSON.stringify(tree)}`);
      for (const h of holders) {
        assert.ok(h.rssKiB >= 48 * MIB, `each holder's own RSS: ${JSON.stringify(h)}`);
        assert.ok(h.hwmKiB >= h.rssKiB, `VmHWM is the process's peak: ${JSON.stringify(h)}`);
      }
      const sum = tree.reduce((s, p) => s + p.rssKiB, 0);
      const largest = Math.max(...tree.map((p) => p.rssKiB));
      assert.ok(sum >= largest + 48 * MIB, `the sum over the tree (${sum} KiB) holds both buffers, not the largest process (${largest} KiB) alone`);
    } finally {
      root.stdin.end();
      await new Promise((resolve) => (root.exitCode !== null ? resolve(null) : root.once('exit', resolve)));
    }
  });

  it('is empty for a process that is gone, rather than failing', () => {
    assert.deepEqual(sampleTree(2 ** 22 + 1), []);
  });
});

function readyLines(stream: NodeJS.ReadableStream, count: number, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`not ${count} ready lines within ${deadlineMs} ms: ${text}`)), deadlineMs);
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if ((text.match(/^ready /gm) ?? []).length >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
