// mambo-update-containers with the stand-in docker: a changed pinned image is recreated and must
// become healthy; when it does not, the previous image comes back. Dry run, pull failures, the lock.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UPDATE_EXIT_CODES, UpdateContainersModel } from '../../../lib/scripts/model';
import { renderUpdateContainersScript } from '../../../lib/scripts/update-containers';
import { itWithTools } from '../../support/tools';
import {
  Sandbox,
  addContainer,
  containerFile,
  dockerCalls,
  failDocker,
  makeSandbox,
  removeSandbox,
  runScript,
  startNtfyServer,
} from './support/sandbox';

const GRAFANA = 'grafana/grafana:11.3.1';
const refFile = (ref: string) => ref.replace(/[/:@]/g, '_');
let sandbox: Sandbox;

beforeEach(() => {
  sandbox = makeSandbox();
  addContainer(sandbox, 'grafana', { image: 'sha256:old', ref: GRAFANA, health: 'healthy' });
  fs.writeFileSync(path.join(sandbox.stateDir, 'images', refFile(GRAFANA)), 'sha256:old\n');
});

afterEach(() => removeSandbox(sandbox));

/** What the registry now serves for the pinned tag, and how a container from that image fares. */
function republish(id: string, health: 'healthy' | 'unhealthy' = 'healthy'): void {
  fs.writeFileSync(path.join(sandbox.stateDir, 'registry', refFile(GRAFANA)), `${id}\n`);
  fs.writeFileSync(path.join(sandbox.stateDir, 'image-health', id), `${health}\n`);
}

function model(extra: Partial<UpdateContainersModel> = {}, ntfyUrl?: string): UpdateContainersModel {
  return {
    containers: [
      { name: 'grafana', image: GRAFANA, recreate: ['docker', 'compose', '--file', '/opt/mambo/grafana/compose.yaml', 'up', '-d', 'grafana'] },
    ],
    healthTimeoutSeconds: 5,
    healthPollSeconds: 0.1,
    lockFile: sandbox.lockFile,
    hostLabel: 'test-host',
    ntfy: ntfyUrl ? { url: ntfyUrl, topic: 'ops' } : undefined,
    ...extra,
  };
}

function update(m: UpdateContainersModel, args: string[] = []) {
  return runScript(sandbox, 'mambo-update-containers', renderUpdateContainersScript(m), args);
}

const composeCalls = () => dockerCalls(sandbox).filter((call) => call.startsWith('compose'));

describe('mambo-update-containers', () => {
  itWithTools('curl')('recreates a container whose pinned tag now names a new image, and keeps the old image tagged', async () => {
    const ntfy = await startNtfyServer();
    try {
      republish('sha256:new');
      const result = await update(model({}, ntfy.url));

      expect(result.status).toBe(UPDATE_EXIT_CODES.ok.code);
      expect(containerFile(sandbox, 'grafana', 'image')).toBe('sha256:new');
      expect(dockerCalls(sandbox)).toContain('tag sha256:old grafana/grafana:mambo-previous-grafana');
      expect(composeCalls()).toEqual(['compose --file /opt/mambo/grafana/compose.yaml up -d grafana']);
      expect(result.output).toContain('grafana: updated and healthy');
      expect(ntfy.messages[0]).toMatchObject({ title: 'Containers updated on test-host', priority: 'default' });
      expect(ntfy.messages[0].body).toContain('updated: grafana;');
    } finally {
      await ntfy.close();
    }
  });

  itWithTools('curl')('leaves an up-to-date container alone and says nothing to ntfy', async () => {
    const ntfy = await startNtfyServer();
    try {
      republish('sha256:old');
      const result = await update(model({}, ntfy.url));
      expect(result.status).toBe(0);
      expect(result.output).toContain('grafana: up to date');
      expect(composeCalls()).toEqual([]);
      expect(ntfy.messages).toEqual([]);
    } finally {
      await ntfy.close();
    }
  });

  itWithTools('curl')('rolls back to the previous image when the new one is not healthy', async () => {
    const ntfy = await startNtfyServer();
    try {
      republish('sha256:broken', 'unhealthy');
      const result = await update(model({}, ntfy.url));

      expect(result.status).toBe(UPDATE_EXIT_CODES.rolledBack.code);
      expect(containerFile(sandbox, 'grafana', 'image')).toBe('sha256:old');
      expect(containerFile(sandbox, 'grafana', 'health')).toBe('healthy');
      const calls = dockerCalls(sandbox);
      expect(calls.indexOf('tag sha256:old grafana/grafana:11.3.1')).toBeGreaterThan(calls.indexOf(composeCalls()[0]));
      expect(composeCalls()).toHaveLength(2);
      expect(result.output).toContain('grafana is running unhealthy');
      expect(ntfy.messages[0]).toMatchObject({ title: 'Container update rolled back on test-host', priority: 'high' });
      expect(ntfy.messages[0].body).toContain('rolled back: grafana;');
    } finally {
      await ntfy.close();
    }
  });

  it('says a person is needed when the rollback is not healthy either', async () => {
    republish('sha256:broken', 'unhealthy');
    fs.writeFileSync(path.join(sandbox.stateDir, 'image-health', 'sha256:old'), 'unhealthy\n');
    const result = await update(model());
    expect(result.status).toBe(UPDATE_EXIT_CODES.rollbackFailed.code);
    expect(result.output).toContain('the container needs a person');
  });

  it('rolls back when the recreate command itself fails', async () => {
    republish('sha256:new');
    failDocker(sandbox, 'recreate', 'grafana');
    const result = await update(model());
    expect(result.status).toBe(UPDATE_EXIT_CODES.rollbackFailed.code);
    expect(dockerCalls(sandbox)).toContain('tag sha256:old grafana/grafana:11.3.1');
  });

  it('without a recreate command, pulls and reports the container as waiting for cdktf deploy', async () => {
    republish('sha256:new');
    const result = await update(model({ containers: [{ name: 'grafana', image: GRAFANA }] }));
    expect(result.status).toBe(0);
    expect(result.output).toContain('cdktf deploy will recreate the container with it');
    expect(result.output).toContain('waiting for cdktf deploy: grafana;');
    expect(containerFile(sandbox, 'grafana', 'image')).toBe('sha256:old');
  });

  it('a dry run pulls nothing and changes nothing', async () => {
    republish('sha256:new');
    const result = await update(model(), ['--dry-run']);
    expect(result.status).toBe(0);
    expect(result.output).toContain('would pull grafana/grafana:11.3.1 and recreate it if the image changed');
    expect(dockerCalls(sandbox).filter((call) => /^(pull|tag|compose)/.test(call))).toEqual([]);
    expect(containerFile(sandbox, 'grafana', 'image')).toBe('sha256:old');
  });

  it('a failed pull leaves the container as it was, with its own exit code', async () => {
    republish('sha256:new');
    failDocker(sandbox, 'pull');
    const result = await update(model());
    expect(result.status).toBe(UPDATE_EXIT_CODES.pullFailed.code);
    expect(composeCalls()).toEqual([]);
  });

  it('refuses an unknown container name and waits for no lock to say so', async () => {
    const result = await update(model(), ['nginx']);
    expect(result.status).toBe(UPDATE_EXIT_CODES.usage.code);
    expect(result.output).toContain("unknown container 'nginx'; the platform's are: grafana");
  });

  it('does nothing while another run holds the platform lock', async () => {
    republish('sha256:new');
    fs.mkdirSync(path.dirname(sandbox.lockFile), { recursive: true });
    const holder = spawn('flock', [sandbox.lockFile, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = await update(model());
      expect(result.status).toBe(UPDATE_EXIT_CODES.locked.code);
      expect(containerFile(sandbox, 'grafana', 'image')).toBe('sha256:old');
    } finally {
      holder.kill();
    }
  });
});
