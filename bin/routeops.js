#!/usr/bin/env node
// The `routeops` command: runs the compiled CLI (built by `npm install` / `npm run build`).
import('../dist/src/app/cli.js').then((m) => m.runCli(process.argv.slice(2)));
