// mambo-health-check, run for real: container states through the stand-in docker, disk thresholds
// against the real disk, and certificates served by openssl s_server; the exit status is the worst.
import { CHECK_EXIT_CODES, HealthCheckModel } from '../../../lib/scripts/model';
import { renderHealthCheckScript } from '../../../lib/scripts/health-check';
import { itWithTools } from '../../support/tools';
import { Sandbox, addContainer, failDocker, makeSandbox, removeSandbox, runScript } from './support/sandbox';
import { freePort, makeCertificate, serveCertificate } from './support/tls';

const OK = CHECK_EXIT_CODES.ok.code;
const WARNING = CHECK_EXIT_CODES.warning.code;
const CRITICAL = CHECK_EXIT_CODES.critical.code;
const UNKNOWN = CHECK_EXIT_CODES.unknown.code;

let sandbox: Sandbox;

beforeEach(() => {
  sandbox = makeSandbox();
});

afterEach(() => removeSandbox(sandbox));

// Thresholds the real disk of any test machine stays between, so only what a test changes matters.
const quietDisk = { path: '/', warnPercent: 100, criticalPercent: 100 };

function check(model: Partial<HealthCheckModel>, args: string[] = []) {
  const full: HealthCheckModel = { containers: [], hostnames: [], disk: quietDisk, ...model };
  return runScript(sandbox, 'mambo-health-check', renderHealthCheckScript(full), args);
}

describe('containers', () => {
  it('passes when every platform container runs, healthy or without a healthcheck', async () => {
    addContainer(sandbox, 'traefik', { health: 'healthy' });
    addContainer(sandbox, 'cadvisor', { health: 'none' });
    const result = await check({ containers: ['traefik', 'cadvisor'] });

    expect(result.status).toBe(OK);
    expect(result.stdout).toContain('OK       container traefik: running, healthy');
    expect(result.stdout).toContain('OK       container cadvisor: running (no healthcheck)');
    expect(result.stdout).toMatch(/health: 3 ok, 0 warning, 0 critical/);
  });

  it('names each container that is starting, unhealthy, stopped or missing; the worst sets the exit status', async () => {
    addContainer(sandbox, 'traefik', { health: 'healthy' });
    addContainer(sandbox, 'grafana', { health: 'starting' });
    addContainer(sandbox, 'loki', { health: 'unhealthy' });
    addContainer(sandbox, 'vmagent', { running: false });
    const result = await check({ containers: ['traefik', 'grafana', 'loki', 'vmagent', 'alertmanager'] });

    expect(result.status).toBe(CRITICAL);
    expect(result.stdout).toContain('WARNING  container grafana: running, healthcheck still starting');
    expect(result.stdout).toContain('CRITICAL container loki: running but UNHEALTHY');
    expect(result.stdout).toContain('CRITICAL container vmagent: not running (exited)');
    expect(result.stdout).toContain('CRITICAL container alertmanager: does not exist');
    expect(result.stdout).toMatch(/health: 2 ok, 1 warning, 3 critical/);
  });

  it('a container only starting is a warning', async () => {
    addContainer(sandbox, 'grafana', { health: 'starting' });
    expect((await check({ containers: ['grafana'] })).status).toBe(WARNING);
  });

  it('an unreachable Docker daemon is critical', async () => {
    addContainer(sandbox, 'traefik');
    failDocker(sandbox, 'info');
    const result = await check({ containers: ['traefik'] });
    expect(result.status).toBe(CRITICAL);
    expect(result.stdout).toContain('CRITICAL docker: the daemon is unreachable');
  });
});

describe('disk', () => {
  it('warns at the warning percentage and is critical at the critical one', async () => {
    const warned = await check({ disk: { path: '/', warnPercent: 1, criticalPercent: 100 } });
    expect(warned.status).toBe(WARNING);
    expect(warned.stdout).toMatch(/WARNING {2}disk \/: \d+% used \(warning at 1%\)/);

    const critical = await check({ disk: { path: sandbox.root, warnPercent: 1, criticalPercent: 1 } });
    expect(critical.status).toBe(CRITICAL);
    expect(critical.stdout).toMatch(/CRITICAL disk .*: \d+% used \(critical at 1%\)/);
  });
});

describe('certificates', () => {
  async function checkServed(hostnames: string[], validity: [number, number], servedFor = 'good.test') {
    const server = await serveCertificate(makeCertificate(sandbox.root, servedFor, validity[0], validity[1]));
    try {
      return await check({ hostnames, tls: { connectTo: '127.0.0.1', port: server.port, warnDays: 14, criticalDays: 7 } });
    } finally {
      await server.stop();
    }
  }

  itWithTools('openssl')('passes a certificate for the host with more days left than the warning threshold', async () => {
    const result = await checkServed(['good.test'], [-1, 60.5]);
    expect(result.status).toBe(OK);
    expect(result.stdout).toMatch(/OK {7}certificate good\.test: expires on .* GMT, 60 days left/);
  });

  itWithTools('openssl')('warns under the warning threshold, is critical under the critical one and when expired', async () => {
    const soon = await checkServed(['good.test'], [-80, 10.5]);
    expect(soon.status).toBe(WARNING);
    expect(soon.stdout).toContain('10 days left (warning under 14)');

    const sooner = await checkServed(['good.test'], [-80, 3.5]);
    expect(sooner.status).toBe(CRITICAL);
    expect(sooner.stdout).toContain('3 days left (critical under 7)');

    const expired = await checkServed(['good.test'], [-90, -2]);
    expect(expired.status).toBe(CRITICAL);
    expect(expired.stdout).toMatch(/CRITICAL certificate good\.test: expired on .* GMT/);
  });

  itWithTools('openssl')('checks every hostname and refuses a certificate made for another name', async () => {
    const result = await checkServed(['good.test', 'shop.test'], [-1, 60]);
    expect(result.status).toBe(CRITICAL);
    expect(result.stdout).toContain('OK       certificate good.test');
    expect(result.stdout).toMatch(/CRITICAL certificate shop\.test: certificate is not for shop\.test \(subject: CN = good\.test\)/);
  });

  itWithTools('openssl')('is critical when nothing answers on the port', async () => {
    const port = await freePort();
    const result = await check({ hostnames: ['good.test'], tls: { connectTo: '127.0.0.1', port, timeoutSeconds: 3 } });
    expect(result.status).toBe(CRITICAL);
    expect(result.stdout).toContain(`CRITICAL certificate good.test: no certificate served at 127.0.0.1:${port}`);
  });
});

it('an argument it does not know is an "unknown" result, not a health verdict', async () => {
  const result = await check({}, ['--verbose']);
  expect(result.status).toBe(UNKNOWN);
});
