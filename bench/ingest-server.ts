// routeops for the ingest benchmark (bench/ingest.ts), in a process of its own so that a stall of
// its event loop shows in the timings the load side takes. Its environment comes from the parent
// (ROUTEOPS_DB, ROUTEOPS_CONFIG, the Slack and ingest settings); its port goes back over IPC, and
// the message 'stop' stops it as SIGTERM would.
import { startRouteops } from '../src/app/main.js';

const app = await startRouteops({ shell: false });
process.send!({ type: 'ready', port: app.port });
process.on('message', (m) => {
  if (m === 'stop') void app.stop().then(() => process.exit(0));
});
