// Bundles the host-side CLI (src/bin/permafrost-agent.ts: `permafrost agent` and `permafrost
// action`) into one executable file, dist/permafrost-agent.js, that needs only Node.js: no
// node_modules, no native module. Run by `npm run build` after tsc, from tsc's CommonJS output:
// every import is then a require(), so packages resolve to the same files as when Node runs
// dist/src (their "require" builds; bundling the TypeScript would pick their "import" builds,
// and node-cron's ESM build reads import.meta.url, which a CommonJS bundle does not have). Also
// writes dist/permafrost-agent.meta.json (esbuild's metafile: which files went in), read by
// test/integration/agent-bundle.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist', 'permafrost-agent.js');
const metafileOut = path.join(root, 'dist', 'permafrost-agent.meta.json');

// ssh2's optional native speed-ups: it requires both inside try/catch and falls back to pure JS,
// so they stay out of the bundle and a host needs no compiler.
const OPTIONAL_NATIVE = ['cpu-features', '*.node'];
// Packages only the API server uses. One of them in the bundle means a host-side command imports
// server code: the build fails rather than ship it.
const SERVER_ONLY = ['better-sqlite3', 'mongoose', 'mongodb', 'koa', '@koa/router', 'prom-client'];

const compiled = path.join(root, 'dist', 'src');
const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' };

/**
 * The engine's tree estimate runs estimate-worker.js, found beside its own module as a file: a
 * single file has no such neighbour. The worker is bundled on its own, and its code handed to
 * src/engine/progress/estimate-tree.ts, which evaluates it in the Worker instead.
 */
async function estimateWorkerCode() {
  const worker = await esbuild.build({ ...common, entryPoints: [path.join(compiled, 'engine/progress/estimate-worker.js')], write: false });
  return worker.outputFiles[0].text;
}

/** Server-only packages among the bundle's inputs (node_modules/<name>/...). */
function serverOnlyInputs(metafile) {
  return Object.keys(metafile.inputs).filter((input) => SERVER_ONLY.some((name) => input.includes(`node_modules/${name}/`)));
}

async function main() {
  const entry = path.join(compiled, 'bin', 'permafrost-agent.js');
  if (!fs.existsSync(entry)) throw new Error(`${path.relative(root, entry)} is missing: run tsc first (npm run build does both)`);
  const { version, engines } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const result = await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile,
    external: OPTIONAL_NATIVE,
    // src/version.ts reads package.json beside the code when these are not set.
    define: {
      PERMAFROST_BUNDLED_MANIFEST: JSON.stringify({ version, engines }),
      PERMAFROST_BUNDLED_ESTIMATE_WORKER: JSON.stringify(await estimateWorkerCode()),
    },
    metafile: true,
  });
  const leaked = serverOnlyInputs(result.metafile);
  if (leaked.length > 0) {
    fs.rmSync(outfile, { force: true });
    const more = leaked.length > 10 ? `\n  ... and ${leaked.length - 10} more` : '';
    throw new Error(`server-only modules reached the agent bundle (a host-side command imports server code):\n  ${leaked.slice(0, 10).join('\n  ')}${more}`);
  }
  fs.chmodSync(outfile, 0o755);
  fs.writeFileSync(metafileOut, JSON.stringify(result.metafile));
  const kb = Math.round(fs.statSync(outfile).size / 1024);
  console.log(`bundle-agent: ${path.relative(root, outfile)} (${kb} KiB, ${Object.keys(result.metafile.inputs).length} inputs, version ${version})`);
}

main().catch((err) => {
  console.error(`bundle-agent: ${err.message}`);
  process.exit(1);
});
