// A temporary host for running rendered scripts for real: directories standing in for the Docker
// volumes, the configuration and the backups, the stand-in `docker` on PATH, and helpers to run a
// script, read the calls it made, fingerprint trees byte by byte, and receive ntfy messages.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const FAKE_DOCKER = path.join(__dirname, 'fake-docker.sh');

export interface Sandbox {
  readonly root: string;
  readonly volumesDir: string;
  readonly configDir: string;
  readonly localDir: string;
  readonly stateDir: string;
  readonly binDir: string;
  readonly lockFile: string;
  readonly logFile: string;
  /** Environment for scripts: the stand-in docker first on PATH. */
  readonly env: NodeJS.ProcessEnv;
}

export function makeSandbox(prefix = 'mambo-scripts-'): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dirs = {
    volumesDir: path.join(root, 'docker-volumes'),
    configDir: path.join(root, 'opt', 'mambo'),
    localDir: path.join(root, 'backups'),
    stateDir: path.join(root, 'docker-state'),
    binDir: path.join(root, 'bin'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  for (const sub of ['containers', 'db', 'images', 'registry', 'image-health', 'fail', 'delay']) {
    fs.mkdirSync(path.join(dirs.stateDir, sub));
  }
  fs.writeFileSync(path.join(dirs.stateDir, 'calls.log'), '');
  fs.symlinkSync(FAKE_DOCKER, path.join(dirs.binDir, 'docker'));

  return {
    root,
    ...dirs,
    lockFile: path.join(root, 'run', 'mambo-platform.lock'),
    logFile: path.join(root, 'log', 'maintenance.log'),
    env: {
      PATH: `${dirs.binDir}:${process.env.PATH}`,
      HOME: root,
      XDG_CACHE_HOME: path.join(root, 'cache'),
      FAKE_DOCKER_STATE: dirs.stateDir,
      FAKE_VOLUMES_DIR: dirs.volumesDir,
      LANG: 'C',
    },
  };
}

export function removeSandbox(sandbox: Sandbox): void {
  fs.rmSync(sandbox.root, { recursive: true, force: true });
}

export interface ContainerState {
  running?: boolean;
  health?: 'healthy' | 'unhealthy' | 'starting' | 'none';
  image?: string;
  ref?: string;
}

export function addContainer(sandbox: Sandbox, name: string, state: ContainerState = {}): void {
  const dir = path.join(sandbox.stateDir, 'containers', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'running'), `${state.running ?? true}\n`);
  fs.writeFileSync(path.join(dir, 'health'), `${state.health ?? 'none'}\n`);
  if (state.image) fs.writeFileSync(path.join(dir, 'image'), `${state.image}\n`);
  if (state.ref) fs.writeFileSync(path.join(dir, 'ref'), state.ref);
}

export function containerRunning(sandbox: Sandbox, name: string): boolean {
  return fs.readFileSync(path.join(sandbox.stateDir, 'containers', name, 'running'), 'utf8').trim() === 'true';
}

export function containerFile(sandbox: Sandbox, name: string, file: 'image' | 'health'): string {
  return fs.readFileSync(path.join(sandbox.stateDir, 'containers', name, file), 'utf8').trim();
}

/** Makes a docker call fail: `verb` alone, or `verb` for one container / image. */
export function failDocker(sandbox: Sandbox, verb: string, name?: string): void {
  fs.writeFileSync(path.join(sandbox.stateDir, 'fail', name ? `${verb}-${name}` : verb), '');
}

export function delayDocker(sandbox: Sandbox, verb: string, seconds: number): void {
  fs.writeFileSync(path.join(sandbox.stateDir, 'delay', verb), String(seconds));
}

export function dockerCalls(sandbox: Sandbox): string[] {
  return fs
    .readFileSync(path.join(sandbox.stateDir, 'calls.log'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

/** Calls that change containers, in order: `stop grafana`, `start grafana`, … */
export function lifecycleCalls(sandbox: Sandbox): string[] {
  return dockerCalls(sandbox)
    .map((line) => line.split(' '))
    .filter((words) => ['stop', 'start', 'rm'].includes(words[0]))
    .map((words) => `${words[0]} ${words[words.length - 1]}`);
}

export function clearDockerCalls(sandbox: Sandbox): void {
  fs.writeFileSync(path.join(sandbox.stateDir, 'calls.log'), '');
}

/** Writes files (and their directories) below `dir`; a Buffer is written as-is. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

export function makeVolume(sandbox: Sandbox, name: string, files: Record<string, string | Buffer>): string {
  const data = path.join(sandbox.volumesDir, name, '_data');
  fs.mkdirSync(data, { recursive: true });
  writeTree(data, files);
  return data;
}

/**
 * Every entry below `dir` (the directory itself as "."): type, mode, and for files the sha256 of
 * their bytes, for links their target. Two equal fingerprints mean byte-identical trees.
 */
export function fingerprint(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (absolute: string, relative: string): void => {
    const stat = fs.lstatSync(absolute);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isSymbolicLink()) {
      result[relative] = `link ${fs.readlinkSync(absolute)}`;
    } else if (stat.isDirectory()) {
      result[relative] = `dir ${mode}`;
      for (const entry of fs.readdirSync(absolute).sort()) walk(path.join(absolute, entry), path.posix.join(relative, entry));
    } else {
      result[relative] = `file ${mode} ${createHash('sha256').update(fs.readFileSync(absolute)).digest('hex')}`;
    }
  };
  walk(dir, '.');
  return result;
}

/**
 * Fingerprint of the whole sandbox host except the bookkeeping a run may leave without changing
 * the platform: the docker call log, the installed scripts and the (empty) lock file.
 */
export function hostState(sandbox: Sandbox): Record<string, string> {
  const state = fingerprint(sandbox.root);
  for (const key of Object.keys(state)) {
    if (/^(docker-state\/calls\.log|scripts|run)(\/|$)/.test(key)) delete state[key];
  }
  return state;
}

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Writes the script into the sandbox and runs it (asynchronously, so a test server can answer). */
export function runScript(
  sandbox: Sandbox,
  name: string,
  script: string,
  args: string[] = [],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<ScriptResult> {
  const file = path.join(sandbox.root, 'scripts', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== script) fs.writeFileSync(file, script, { mode: 0o755 });
  return runFile(file, args, { ...sandbox.env, ...options.env }, options.input);
}

export function runFile(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, output }));
    child.stdin.end(input ?? '');
  });
}

export interface NtfyMessage {
  method: string;
  url: string;
  title: string;
  priority: string;
  tags: string;
  authorization?: string;
  body: string;
}

export interface NtfyServer {
  readonly url: string;
  readonly messages: NtfyMessage[];
  close(): Promise<void>;
}

/** A local HTTP server that records what the scripts publish, answering as ntfy does. */
export async function startNtfyServer(): Promise<NtfyServer> {
  const messages: NtfyMessage[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => {
      messages.push({
        method: request.method ?? '',
        url: request.url ?? '',
        title: String(request.headers.title ?? ''),
        priority: String(request.headers.priority ?? ''),
        tags: String(request.headers.tags ?? ''),
        authorization: request.headers.authorization,
        body,
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"id":"test"}\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sets a file's modification time to `days` days ago (fractional days allowed), with touch -d. */
export function ageFile(file: string, days: number): void {
  const epoch = Math.floor(Date.now() / 1000 - days * 24 * 3600);
  const result = spawnSync('touch', ['-d', `@${epoch}`, file]);
  if (result.status !== 0) throw new Error(`touch -d failed on ${file}`);
}

export function listDir(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
