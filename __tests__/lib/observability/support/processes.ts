// Starts real binaries on loopback for end-to-end tests and always stops them: each test keeps a
// ProcessGroup and calls stopAll() in afterAll, which kills every process it started even after a failure.
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer, AddressInfo } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ProcessGroup {
  private readonly children: { name: string; child: ChildProcess; log: string }[] = [];

  /** Starts `command` with its output in `log`; fails fast if it exits before it is stopped. */
  start(name: string, command: string, args: string[], log: string): ChildProcess {
    const output = createWriteStream(log);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(output);
    child.stderr?.pipe(output);
    this.children.push({ name, child, log });
    return child;
  }

  /** Polls `url` until it answers 2xx; names the process and shows its log when it does not. */
  async waitUntilReady(name: string, url: string, timeoutMs = 15_000): Promise<void> {
    const entry = this.children.find((candidate) => candidate.name === name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (entry && entry.child.exitCode !== null) break;
      try {
        const response = await fetch(url);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${name} did not become ready at ${url}:\n${entry ? this.tail(entry.log) : ''}`);
  }

  /** The last lines of a process's log, for failure messages. */
  logOf(name: string): string {
    const entry = this.children.find((candidate) => candidate.name === name);
    return entry ? this.tail(entry.log) : '';
  }

  private tail(log: string): string {
    try {
      return readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM to every process still running, SIGKILL to those still there after two seconds. */
  async stopAll(): Promise<void> {
    const running = this.children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
    await Promise.all(running.map(({ child }) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    })));
  }
}
