#!/usr/bin/env -S node --max-semi-space-size=32
// --max-semi-space-size: a larger young generation makes scavenges rarer, which keeps the API's p99
// latency low from the first second of load (the default grows it only slowly).
// Each command loads its own modules when it runs (serve-run, agent-run, db-run...): the API's
// and the store's modules would otherwise slow down the start of every command. The commands are
// declared in src/cli/program.ts.
import { buildProgram } from '../cli/program';

const program = buildProgram();

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`permafrost: ${(err as Error).message}`);
  // A configuration error carries status 2 (ConfigError); other failures are 1.
  const status = (err as { exitStatus?: unknown }).exitStatus;
  process.exit(typeof status === 'number' ? status : 1);
});
