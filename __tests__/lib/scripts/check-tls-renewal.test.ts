// mambo-check-tls-renewal against certificates served by openssl s_server: days left per hostname,
// the exit status, and the ntfy message when a certificate needs attention.
import { CHECK_EXIT_CODES } from '../../../lib/scripts/model';
import { renderCheckTlsRenewalScript } from '../../../lib/scripts/check-tls-renewal';
import { itWithTools } from '../../support/tools';
import { Sandbox, makeSandbox, removeSandbox, runScript, startNtfyServer } from './support/sandbox';
import { makeCertificate, serveCertificate } from './support/tls';

let sandbox: Sandbox;

beforeEach(() => {
  sandbox = makeSandbox();
});

afterEach(() => removeSandbox(sandbox));

async function checkRenewal(validDays: number, hostnames = ['app.test']) {
  const ntfy = await startNtfyServer();
  const server = await serveCertificate(makeCertificate(sandbox.root, 'app.test', -30, validDays));
  try {
    const script = renderCheckTlsRenewalScript({
      hostnames,
      tls: { connectTo: '127.0.0.1', port: server.port, warnDays: 21, criticalDays: 7 },
      ntfy: { url: ntfy.url, topic: 'certs' },
      hostLabel: 'test-host',
    });
    const result = await runScript(sandbox, 'mambo-check-tls-renewal', script);
    return { result, messages: ntfy.messages };
  } finally {
    await server.stop();
    await ntfy.close();
  }
}

describe('mambo-check-tls-renewal', () => {
  itWithTools('openssl', 'curl')('prints the days left and stays quiet when every certificate has time', async () => {
    const { result, messages } = await checkRenewal(45.5);
    expect(result.status).toBe(CHECK_EXIT_CODES.ok.code);
    expect(result.stdout).toMatch(/OK {7}app\.test: expires on .* GMT, 45 days left/);
    expect(result.stdout).toContain('certificates: 1 ok, 0 warning, 0 critical');
    expect(messages).toEqual([]);
  });

  itWithTools('openssl', 'curl')('warns under the threshold and tells ntfy which host, with how many days', async () => {
    const { result, messages } = await checkRenewal(15.5);
    expect(result.status).toBe(CHECK_EXIT_CODES.warning.code);
    expect(result.stdout).toContain('WARNING  app.test: expires on');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ title: 'TLS certificates expiring on test-host', priority: 'high', tags: 'warning,lock' });
    expect(messages[0].body).toMatch(/^app\.test: expires on .* GMT, 15 days left \(warning under 21\)$/);
  });

  itWithTools('openssl', 'curl')('is critical, urgently, for an expiring certificate and for one made for another host', async () => {
    const { result, messages } = await checkRenewal(2.5, ['app.test', 'www.test']);
    expect(result.status).toBe(CHECK_EXIT_CODES.critical.code);
    expect(messages[0]).toMatchObject({ title: 'TLS certificates CRITICAL on test-host', priority: 'urgent', tags: 'rotating_light,lock' });
    expect(messages[0].body).toContain('app.test: expires on');
    expect(messages[0].body).toContain('2 days left (critical under 7)');
    expect(messages[0].body).toContain('www.test: certificate is not for www.test (subject: CN = app.test)');
  });
});
