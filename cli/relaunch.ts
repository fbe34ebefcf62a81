// `palisade start` with config `workers.processHeapMb`: V8's heap limit can only be set when Node starts, so a process
// that will run workers starts itself again with the limit and waits for that child, which does the work. The child
// stays in this process group (a group kill, as a container runtime or the tests do, takes both); this parent relays
// the signals a supervisor sends to its PID, and the child treats the copy of a terminal Ctrl-C, which reaches both,
// as one signal (cli/run.ts). If this parent dies, the child sees its IPC channel close and stops in order.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { hasExplicitHeapLimit, type ProcessLaunch } from '../workers/options';

/** Set in the child: it is the relaunched process and must not start itself again. */
export const RELAUNCHED_ENV = 'PALISADE_RELAUNCHED';
const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Whether this process should start itself again with `launch` (not when relaunched, nor when a limit was given). */
export function shouldRelaunch(launch: ProcessLaunch | undefined, env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): launch is ProcessLaunch {
  return launch !== undefined && env[RELAUNCHED_ENV] !== '1' && !hasExplicitHeapLimit(execArgv, env.NODE_OPTIONS);
}

/** Runs this same command line in a child with `launch` applied; resolves with the exit code to pass on. */
export function relaunch(launch: ProcessLaunch): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...launch.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    // A limit the user set in the environment wins over ours.
    env: { ...launch.env, ...process.env, [RELAUNCHED_ENV]: '1' },
  });
  const relay = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of RELAYED_SIGNALS) process.on(sig, relay);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const sig of RELAYED_SIGNALS) process.off(sig, relay);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
