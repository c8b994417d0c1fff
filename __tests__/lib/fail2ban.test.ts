// The edge's fail2ban filter against Traefik v3 JSON access log lines (real field layout: keys sorted,
// client values JSON-escaped): failures are found with their address, successes and an app's own 401s
// are not, and text a client controls cannot frame another address. The jails (the edge's, and the
// sshd jail cloud-init writes) are loaded by fail2ban-client itself, and sshd's filter is run on sshd lines.
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parse } from 'yaml';

import { renderCloudInit } from '../../lib/cloud-init';
import {
  TRAEFIK_ACCESS_LOG, renderFail2banAfterDocker, renderTraefikAuthFilter, renderTraefikAuthJail, renderTraefikLogrotate, traefikAuthHostFiles,
} from '../../lib/fail2ban';
import { itWithTools, run } from '../support/tools';

/** One access log entry as Traefik v3 writes it: every field, keys in the order Go sorts them. */
function entry(fields: Record<string, string | number>): string {
  const base: Record<string, string | number> = {
    ClientAddr: `${fields.ClientHost}:51422`, ClientPort: '51422', ClientUsername: '-', DownstreamContentSize: 17, Duration: 389012,
    OriginContentSize: 0, OriginDuration: 0, Overhead: 389012, RequestContentSize: 0, RequestCount: 118, RequestPort: '-',
    RequestProtocol: 'HTTP/2.0', RequestScheme: 'https', RetryAttempts: 0, StartLocal: '2026-06-02T10:15:01.123456789Z',
    StartUTC: '2026-06-02T10:15:01.123456789Z', TLSCipher: 'TLS_AES_128_GCM_SHA256', TLSVersion: '1.3', entryPointName: 'websecure',
    level: 'info', msg: '', 'request_User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)', time: '2026-06-02T10:15:01Z',
  };
  const all = { ...base, ...fields, RequestAddr: fields.RequestHost };
  return JSON.stringify(Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

const FAILURES = [
  // Basic auth refused by the edge: the request never reached a service (OriginStatus 0).
  entry({ ClientHost: '198.51.100.23', DownstreamStatus: 401, OriginStatus: 0, RequestHost: 'traefik.mambo-cloud.example', RequestMethod: 'GET', RequestPath: '/dashboard/', RouterName: 'traefik-dashboard@docker' }),
  // Forward-auth refused a client without a session (an API client, no redirect).
  entry({ ClientHost: '198.51.100.24', DownstreamStatus: 401, OriginStatus: 0, RequestHost: 'grafana.mambo-cloud.example', RequestMethod: 'GET', RequestPath: '/api/dashboards/home', RouterName: 'grafana@docker' }),
  // A wrong password at the SSO portal, over IPv6, time with an offset.
  entry({ ClientHost: '2001:db8:5::7', ClientAddr: '[2001:db8:5::7]:40112', DownstreamStatus: 401, OriginStatus: 401, RequestHost: 'auth.mambo-cloud.example', RequestMethod: 'POST', RequestPath: '/api/firstfactor', RouterName: 'sso-portal-0@docker', ServiceName: 'sso-portal@docker', time: '2026-06-02T12:15:03+02:00' }),
  // A wrong TOTP code at the portal of the second domain.
  entry({ ClientHost: '198.51.100.25', DownstreamStatus: 401, OriginStatus: 401, RequestHost: 'auth.mambo-shop.example', RequestMethod: 'POST', RequestPath: '/api/secondfactor/totp', RouterName: 'sso-portal-1@docker', ServiceName: 'sso-portal@docker' }),
];

const NOT_FAILURES = [
  // Served normally.
  entry({ ClientHost: '198.51.100.40', DownstreamStatus: 200, OriginStatus: 200, RequestHost: 'backoffice.mambo-cloud.example', RequestMethod: 'GET', RequestPath: '/', RouterName: 'backoffice@docker' }),
  // A browser without a session, sent to the portal: a redirect, not a failure.
  entry({ ClientHost: '198.51.100.41', DownstreamStatus: 302, OriginStatus: 0, RequestHost: 'grafana.mambo-cloud.example', RequestMethod: 'GET', RequestPath: '/', RouterName: 'grafana@docker' }),
  // An app's own 401 (its API asking for a token) is the app's business.
  entry({ ClientHost: '198.51.100.42', DownstreamStatus: 401, OriginStatus: 401, RequestHost: 'reader.mambo-cloud.example', RequestMethod: 'GET', RequestPath: '/v1/me', RouterName: 'reader@docker', ServiceName: 'reader@docker' }),
  // Signed in at the portal.
  entry({ ClientHost: '198.51.100.43', DownstreamStatus: 200, OriginStatus: 200, RequestHost: 'auth.mambo-cloud.example', RequestMethod: 'POST', RequestPath: '/api/firstfactor', RouterName: 'sso-portal-0@docker' }),
  // A client trying to frame 203.0.113.99 through the fields it controls (path and user agent).
  entry({ ClientHost: '198.51.100.44', DownstreamStatus: 200, OriginStatus: 0, RequestHost: 'x.mambo-cloud.example', RequestMethod: 'GET',
    RequestPath: '/?q=","ClientHost":"203.0.113.99","DownstreamStatus":401,"OriginStatus":0,', RouterName: 'x@docker',
    'request_User-Agent': '","DownstreamStatus":401,"OriginStatus":0,"ClientHost":"203.0.113.99"' }),
];

const SSHD_FAILURES = [
  'Jun  2 10:15:01 main sshd[4101]: Invalid user admin from 198.51.100.77 port 52311',
  'Jun  2 10:15:03 main sshd[4105]: maximum authentication attempts exceeded for root from 198.51.100.81 port 40200 ssh2 [preauth]',
];
const SSHD_SUCCESSES = [
  'Jun  2 10:16:00 main sshd[4200]: Accepted publickey for deploy from 203.0.113.7 port 50000 ssh2: ED25519 SHA256:0vHb4Yq2aF7xvC3hXgYc6n8TQ0u7oS9lXqk2Hn7xL1c',
  'Jun  2 10:16:00 main sshd[4200]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)',
];

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mambo-fail2ban-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** The addresses fail2ban-regex reports as failures (absolute paths: a bare name is looked up in filter.d). */
function failingAddresses(lines: readonly string[], filter: string): string[] {
  const dir = scratch({ 'test.log': `${lines.join('\n')}\n` });
  const result = run('fail2ban-regex', ['-o', 'ip', path.join(dir, 'test.log'), filter]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('the traefik-auth filter', () => {
  const filter = path.join(scratch({ 'traefik-auth.conf': renderTraefikAuthFilter() }), 'traefik-auth.conf');

  it('writes the sample lines as Traefik does: one sorted JSON object per line', () => {
    for (const line of [...FAILURES, ...NOT_FAILURES]) expect(Object.keys(JSON.parse(line))).toEqual(Object.keys(JSON.parse(line)).sort());
  });

  itWithTools('fail2ban-regex')('finds every authentication failure, with the client\'s address', () => {
    expect(failingAddresses(FAILURES, filter)).toEqual(['198.51.100.23', '198.51.100.24', '2001:db8:5::7', '198.51.100.25']);
  });

  itWithTools('fail2ban-regex')('ignores successes, redirects to the portal, an app\'s own 401 and forged fields', () => {
    expect(failingAddresses(NOT_FAILURES, filter)).toEqual([]);
  });

  itWithTools('fail2ban-regex')('dates a failure by the entry\'s time field, offsets included', () => {
    const dir = scratch({ 'one.log': `${FAILURES[2]}\n` });
    const result = run('fail2ban-regex', ['-v', path.join(dir, 'one.log'), filter]);
    expect(result.stdout).toMatch(/2001:db8:5::7\s+Tue Jun 02 10:15:03 2026/);
  });

  it('counts sign-in failures only on the portal\'s routers', () => {
    expect(renderTraefikAuthFilter({ portalRouterPrefix: 'login' })).toContain('"RouterName":"login[^"]*"');
  });
});

describe('the jails', () => {
  const sshdJail = () => {
    const cloudConfig = parse(renderCloudInit({
      hostname: 'mambo-production-main', image: 'debian-12', osFamily: 'debian', deployUser: 'deploy', authorizedKeys: ['ssh-ed25519 AAAA ops'],
    }).replace(/^#cloud-config\n/, ''));
    return cloudConfig.write_files.find((file: any) => file.path === '/etc/fail2ban/jail.d/sshd.local').content as string;
  };

  function configDirectory(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'mambo-fail2ban-conf-'));
    cpSync('/etc/fail2ban', dir, { recursive: true });
    const log = path.join(dir, 'access.log');
    writeFileSync(log, `${FAILURES.join('\n')}\n`);
    writeFileSync(path.join(dir, 'filter.d', 'traefik-auth.conf'), renderTraefikAuthFilter());
    writeFileSync(path.join(dir, 'jail.d', 'traefik-auth.local'), renderTraefikAuthJail({ logPath: log, ignore: ['172.30.0.0/16', '203.0.113.0/24'] }));
    writeFileSync(path.join(dir, 'jail.d', 'sshd.local'), sshdJail());
    return dir;
  }

  itWithTools('fail2ban-client')('load in fail2ban: configuration test passes with both jails', () => {
    expect(existsSync('/etc/fail2ban/jail.conf')).toBe(true);
    const dir = configDirectory();
    const test = run('fail2ban-client', ['-c', dir, '-t']);
    expect(test.stdout + test.stderr).toContain('OK: configuration test is successful');
    expect(test.status).toBe(0);

    const dump = run('fail2ban-client', ['-c', dir, '-d']).stdout;
    expect(dump).toContain("['add', 'sshd', 'systemd']");
    expect(dump).toContain("['add', 'traefik-auth', 'auto']");
    expect(dump).toContain("['set', 'traefik-auth', 'addignoreip', '127.0.0.1/8', '::1', '172.30.0.0/16', '203.0.113.0/24']");
    expect(dump).toContain("['set', 'traefik-auth', 'maxretry', 10]");
  });

  itWithTools('fail2ban-client')('ban in DOCKER-USER on 80 and 443, where traffic to published ports passes (never INPUT)', () => {
    const dump = run('fail2ban-client', ['-c', configDirectory(), '-d']).stdout;
    const action = dump.split('\n').find((line) => line.startsWith("['multi-set', 'traefik-auth', 'action'"))!;
    expect(action).toContain('-I DOCKER-USER -p $proto -m multiport --dports http,https -j f2b-traefik-auth');
    expect(action).not.toContain('-I INPUT');
  });

  itWithTools('fail2ban-regex')('sshd: the stock filter the sshd jail uses finds failures and passes successful key logins', () => {
    expect(sshdJail()).toMatch(/^\[sshd\]\nenabled\s*=\s*true\n/);
    expect(failingAddresses(SSHD_FAILURES, '/etc/fail2ban/filter.d/sshd.conf')).toEqual(['198.51.100.77', '198.51.100.81']);
    expect(failingAddresses(SSHD_SUCCESSES, '/etc/fail2ban/filter.d/sshd.conf')).toEqual([]);
  });
});

describe('the host files', () => {
  it('put the filter, the jail, the start order after Docker and log rotation where the host reads them', () => {
    expect(traefikAuthHostFiles().map((file) => [file.path, file.permissions])).toEqual([
      ['/etc/fail2ban/filter.d/traefik-auth.conf', '0644'],
      ['/etc/fail2ban/jail.d/traefik-auth.local', '0644'],
      ['/etc/systemd/system/fail2ban.service.d/10-after-docker.conf', '0644'],
      ['/etc/logrotate.d/traefik', '0644'],
    ]);
    expect(renderTraefikAuthJail()).toContain(`logpath   = ${TRAEFIK_ACCESS_LOG}\n`);
    expect(renderFail2banAfterDocker()).toContain('After=docker.service');
    expect(renderTraefikLogrotate()).toMatch(/^\/var\/log\/traefik\/access\.log \{\n[\s\S]*copytruncate/);
  });

  it('never reads a Terraform interpolation by accident (the files are uploaded through Terraform strings)', () => {
    for (const file of traefikAuthHostFiles()) expect(file.content).not.toMatch(/[$%]\{/);
  });
});
