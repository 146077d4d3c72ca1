// routeops for the ingest benchmark (bench/ingest.ts), in a process of its own so that a stall of
// its event loop shows in the timings the load side takes. Its environment comes from the parent
// (ROUTEOPS_DB, ROUTEOPS_CONFIG, the Slack and ingest settings); its port goes back over IPC.
// Messages: 'eld-reset' starts a new event-loop delay window, 'eld-read' answers that window's
// p99 and max (ms), 'stop' stops routeops as SIGTERM would.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRouteops } from '../src/app/main.js';

const app = await startRouteops({ shell: false });
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
process.send!({ type: 'ready', port: app.port });
process.on('message', (m) => {
  if (m === 'eld-reset') delay.reset();
  else if (m === 'eld-read') process.send!({ type: 'eld', p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 });
  else if (m === 'stop') void app.stop().then(() => process.exit(0));
});
