// npm and npx run a script through `sh -c` and pass SIGTERM/SIGINT on to that shell only
// (@npmcli/run-script's signal manager). dash does not forward them to its child: `npx routeops
// sim` stopped that way left routeops running with a new parent. `npm start` execs,
// so the signal reaches routeops directly (package.json); for every other npm path, routeops
// started by npm treats its parent going away as SIGTERM.
let watching = false;

/** Started by npm or npx (they set npm_lifecycle_event), stop (SIGTERM to ourselves) once the parent is gone. */
export function stopWhenNpmParentExits(env: NodeJS.ProcessEnv = process.env, everyMs = 500): void {
  if (watching || !env.npm_lifecycle_event) return;
  watching = true;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    // Once: a second SIGTERM, later, stops routeops without waiting (src/app/main.ts).
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, everyMs);
  timer.unref();
}
