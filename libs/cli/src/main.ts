// Entry point of the Resolve command-line tool: `npm run -s cli -- <command>` from the repo root
// (package.json runs it through infra/runtime/register.js). Everything else is in cli.ts.
import { runCli } from './cli';

process.exitCode = runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
