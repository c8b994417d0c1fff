// Tests that run a real tool (promtool, shellcheck, cloud-init …) declare it here. Outside CI a
// missing tool skips the test with a note; in CI (CI=true) a missing tool is a failure.
import { spawnSync, SpawnSyncReturns } from 'node:child_process';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

export function hasTool(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

/**
 * `it` when every tool is on PATH; otherwise `it.skip` with a note (outside CI), or an `it`
 * that fails and names the missing tools (in CI).
 */
export function itWithTools(...commands: string[]): jest.It {
  const missing = commands.filter((command) => !hasTool(command));
  if (missing.length === 0) return it;

  if (inCi) {
    const failing = ((name: string) =>
      it(name, () => {
        throw new Error(`required tool(s) missing in CI: ${missing.join(', ')}; .ci/run must install them`);
      })) as unknown as jest.It;
    return failing;
  }
  // eslint-disable-next-line no-console
  console.warn(`skipping tests that need ${missing.join(', ')} (not installed; CI installs them)`);
  return it.skip;
}

/** Runs a command and returns its result; the caller asserts on status and output. */
export function run(command: string, args: string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}):
  SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}
