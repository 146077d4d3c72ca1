// Public surface of the provider simulator.
export { startSimulator, SIM_BAD_KEY, PROFILE_NAMES, type Simulator, type Faults, type Script, type RecordedRequest, type ProfileName, type ProfileArg } from './server.js';
export { serveSimulator, describeSim, SIM_PROVIDER_FOR, SIM_DEFAULTS, type SimArgs } from './main.js';
