// `npm start`: builds when the sources changed (scripts/build-if-stale.js), then runs routeops in
// this very process. package.json starts it with `exec`, so the shell npm runs it through is
// replaced by it and the SIGTERM npm passes on reaches routeops (src/app/main.ts stops gracefully).
import { buildIfStale } from './build-if-stale.js';

const code = await buildIfStale();
// A failed build is "could not start" (1; 2 means bad config), a signal during it 128+n.
if (code !== 0) process.exit(code > 128 ? code : 1);
const { main } = await import('../dist/src/app/main.js');
await main();
