// The policy rules at synth: each fires on a construct that breaks it, naming the rule and the path,
// and Policy.accept on that construct (or one above it) silences it; the default platform has no
// finding at all; an error stops the synth with one line.
import { AnnotationMetadataEntryType, Testing, TerraformStack } from 'cdktf';
import { Container } from '@cdktf/provider-docker/lib/container';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Volume } from '@cdktf/provider-docker/lib/volume';

import { DockerHost } from '../../constructs/docker-host';
import { PlatformContainer, PlatformContainerProps } from '../../constructs/platform-container';
import { Policy, PolicyViolationError } from '../../constructs/policy';
import { SERVER_TYPES } from '../../lib/hetzner-catalog';
import { catalogImageRef } from '../../lib/images';
import { POLICY_RULES, PolicyRuleId, dnsNamesOf, hasDnsName, plainSecretProblem } from '../../lib/policy';
import { buildEnvironment } from '../support/platform';

const NGINX = 'nginxinc/nginx-unprivileged:1.28.0-alpine';

function setup() {
  const stack = new TerraformStack(Testing.app(), 'policy');
  const host = new DockerHost(stack, 'host', { hostName: 'main', namePrefix: 'mambo-test', address: '203.0.113.10', serverType: SERVER_TYPES.cax11 });
  const web = host.addNetwork('web', { subnet: '172.30.0.0/24', internal: true });
  const container = (id: string, props: Partial<PlatformContainerProps> = {}) => new PlatformContainer(stack, id, {
    host, name: `mambo-test-${id}`, image: NGINX, role: 'app', memoryMiB: 64, networks: [{ network: web }], ...props,
  });
  const raw = (id: string, config: Partial<ConstructorParameters<typeof Container>[2]> = {}) => new Container(stack, id, {
    provider: host.provider, name: `mambo-test-${id}`, image: host.image(NGINX).imageId, memory: 64, securityOpts: ['no-new-privileges:true'], ...config,
  });
  return { stack, host, web, container, raw };
}

const findings = (stack: TerraformStack, dnsNames?: readonly string[]) =>
  Policy.check(stack, { dnsNames }).map((finding) => ({ rule: finding.rule, path: finding.path, message: finding.message, accepted: finding.accepted }));

/** The rule fires on the construct, and an exception on it (or its parent) silences it with its reason kept. */
function expectRule(rule: PolicyRuleId, build: (env: ReturnType<typeof setup>) => { offender: any; accept?: any }, message: RegExp, dnsNames?: readonly string[]) {
  const env = setup();
  const { offender, accept } = build(env);
  const fired = findings(env.stack, dnsNames).filter((finding) => finding.rule === rule);
  expect(fired).toEqual([expect.objectContaining({ path: expect.stringContaining(offender.node.path), message: expect.stringMatching(message), accepted: undefined })]);

  Policy.accept(accept ?? offender, rule, 'a reviewed exception for this test');
  expect(findings(env.stack, dnsNames).filter((finding) => finding.rule === rule))
    .toEqual([expect.objectContaining({ accepted: 'a reviewed exception for this test' })]);
  Policy.enforce(env.stack, { dnsNames });
  expect(() => Testing.synth(env.stack, true)).not.toThrow();
}

describe('each rule fires, and Policy.accept silences it', () => {
  it('MAMBO-P001: a published port other than the edge\'s 80/443 (a monitoring port here)', () => {
    expectRule('MAMBO-P001', ({ container }) => ({ offender: container('exporter', { publish: [{ internal: 9100, external: 9100 }] }) }),
      /^publishes port 9100 \(container port 9100\/tcp\)$/);
  });

  it('MAMBO-P001: 443 published by anything but the edge', () => {
    expectRule('MAMBO-P001', ({ container }) => ({ offender: container('proxy', { publish: [{ internal: 8443, external: 443 }] }) }), /^publishes port 443/);
  });

  it('MAMBO-P002: a container without a memory limit', () => {
    expectRule('MAMBO-P002', ({ raw }) => ({ offender: raw('unbounded', { memory: undefined }) }), /^has no memory limit$/);
  });

  it('MAMBO-P003: an image on latest, or without a tag', () => {
    expectRule('MAMBO-P003', ({ stack, host }) => ({
      offender: new Image(stack, 'latest-image', { provider: host.provider, name: 'nginx:latest' }),
    }), /on "latest"; expected a pinned version tag/);
    expectRule('MAMBO-P003', ({ raw }) => ({ offender: raw('untagged', { image: 'nginx' }) }), /without a tag/);
  });

  it('MAMBO-P004: a router without TLS', () => {
    expectRule('MAMBO-P004', ({ container }) => ({
      offender: container('plain', {
        labels: { 'traefik.enable': 'true', 'traefik.http.routers.plain.rule': 'Host(`plain.mambo-cloud.example`)', 'traefik.http.routers.plain.entrypoints': 'websecure' },
      }),
    }), /^router plain has no TLS$/);
  });

  it('MAMBO-P004: a router on the plain-HTTP entrypoint', () => {
    expectRule('MAMBO-P004', ({ container }) => ({
      offender: container('web', {
        labels: { 'traefik.enable': 'true', 'traefik.http.routers.w.rule': 'Host(`w.mambo-cloud.example`)', 'traefik.http.routers.w.entrypoints': 'web', 'traefik.http.routers.w.tls': 'true' },
      }),
    }), /^router w listens on the plain-HTTP entrypoint web$/);
  });

  it('MAMBO-P004: a router without TLS in a dynamic configuration file', () => {
    expectRule('MAMBO-P004', ({ container }) => ({
      offender: container('file-router', {
        files: { '/etc/traefik/dynamic/extra.yml': 'http:\n  routers:\n    legacy:\n      rule: Host(`legacy.mambo-cloud.example`)\n      service: legacy\n' },
      }),
    }), /^router legacy@file has no TLS$/);
  });

  it('MAMBO-P005: a hostname without a DNS record', () => {
    expectRule('MAMBO-P005', ({ container }) => ({
      offender: container('lost', {
        labels: {
          'traefik.enable': 'true', 'traefik.http.routers.lost.rule': 'Host(`shop.mambo-cloud.example`) || Host(`lost.elsewhere.example`)',
          'traefik.http.routers.lost.entrypoints': 'websecure', 'traefik.http.routers.lost.tls': 'true',
        },
      }),
    }), /^router lost serves lost\.elsewhere\.example, which has no DNS record in the environment$/, ['shop.mambo-cloud.example']);
  });

  it('MAMBO-P006: a volume no backup covers (a warning)', () => {
    expectRule('MAMBO-P006', ({ stack, host }) => ({ offender: new Volume(stack, 'stray', { provider: host.provider, name: 'stray' }) }),
      /is not registered with its host/);
    expectRule('MAMBO-P006', ({ host, stack }) => ({ offender: host.addVolume(stack, 'scratch', { backup: 'none', owner: 'platform' }).volume }),
      /backup policy "none"/);
  });

  it('MAMBO-P007: a secret-looking value in a plain environment variable', () => {
    expectRule('MAMBO-P007', ({ container }) => ({ offender: container('leaky', { env: { API_TOKEN: 'tok-12345' } }) }), /^sets API_TOKEN to a literal value$/);
    expectRule('MAMBO-P007', ({ container }) => ({ offender: container('url', { env: { DATABASE_URL: 'postgres://app:hunter2@db:5432/app' } }) }),
      /^sets DATABASE_URL to a value shaped like a credential$/);
  });

  it('MAMBO-P008: a privileged container, or one on the host\'s network', () => {
    expectRule('MAMBO-P008', ({ container }) => ({ offender: container('root', { privileged: true }) }), /^is privileged$/);
    expectRule('MAMBO-P008', ({ raw }) => ({ offender: raw('hostnet', { networkMode: 'host' }) }), /^uses the host's NETWORK namespace$/);
  });

  it('MAMBO-P009: the Docker socket outside the read-only proxy', () => {
    expectRule('MAMBO-P009', ({ container }) => ({
      offender: container('socket', { hostMounts: [{ hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', readOnly: true }] }),
    }), /^mounts \/var\/run\/docker\.sock from the host; expected the socket proxy$/);
    expectRule('MAMBO-P009', ({ container }) => ({
      offender: container('writable-proxy', {
        image: catalogImageRef('socketProxy'), env: { CONTAINERS: '1', POST: '1' },
        hostMounts: [{ hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', readOnly: true }],
      }),
    }), /^is the socket proxy without POST=0/);
  });

  it('MAMBO-P010: a container without no-new-privileges', () => {
    expectRule('MAMBO-P010', ({ raw }) => ({ offender: raw('escalating', { securityOpts: [] }) }), /^runs without security option no-new-privileges:true$/);
  });

  it('an exception on a parent construct covers what it contains', () => {
    expectRule('MAMBO-P001', ({ container }) => {
      const offender = container('debug', { publish: [{ internal: 8080, external: 8080 }] });
      return { offender, accept: offender.node.scope };
    }, /^publishes port 8080/);
  });
});

describe('what the rules let through', () => {
  it('the default platform, SSO and all, has no finding', () => {
    const { platform } = buildEnvironment();
    expect(Policy.check(platform, { dnsNames: dnsNamesOf(platform.environment) })).toEqual([]);
  });

  it('the system containers the platform names may have host access', () => {
    const { stack, container } = setup();
    container('node-exporter', { image: catalogImageRef('nodeExporter'), pidMode: 'host', privileged: true });
    container('socket-proxy', {
      image: catalogImageRef('socketProxy'), env: { CONTAINERS: '1', POST: '0' },
      hostMounts: [{ hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', readOnly: true }],
    });
    expect(findings(stack)).toEqual([]);
  });

  it('secrets from variables or generated values, whatever their names', () => {
    expect(plainSecretProblem('DATABASE_PASSWORD=${random_password.db.result}')).toBeUndefined();
    expect(plainSecretProblem('DATABASE_URL=postgres://app:${random_password.db.result}@db:5432/app')).toBeUndefined();
    expect(plainSecretProblem('AUTHELIA_SESSION_SECRET_FILE=/config/secrets/session_secret')).toBeUndefined();
    expect(plainSecretProblem('GITEA__database__PASSWD=')).toBeUndefined();
    expect(plainSecretProblem('GF_AUTH_PROXY_ENABLE_LOGIN_TOKEN=false')).toBeUndefined();
    expect(plainSecretProblem('POSTGRES_PASSWORD=$${literal}')).toBe('sets POSTGRES_PASSWORD to a literal value');
  });

  it('wildcard records cover one label', () => {
    expect(hasDnsName('a.example.com', ['*.example.com'])).toBe(true);
    expect(hasDnsName('a.b.example.com', ['*.example.com'])).toBe(false);
  });
});

describe('at synth', () => {
  it('stops with one line naming each rule, title, construct path and how to accept it', () => {
    const { stack, container } = setup();
    container('exporter', { publish: [{ internal: 9100, external: 9100 }], env: { API_KEY: 'abc' } });
    Policy.enforce(stack);
    let error: unknown;
    try {
      Testing.synth(stack, true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyViolationError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toBe(
      'policy: MAMBO-P001 (published port) at policy/exporter/container: publishes port 9100 (container port 9100/tcp); ' +
      `${POLICY_RULES['MAMBO-P001'].reason}. To accept: Policy.accept(<construct>, 'MAMBO-P001', '<why>'); ` +
      'MAMBO-P007 (plain secret) at policy/exporter/container: sets API_KEY to a literal value; ' +
      `${POLICY_RULES['MAMBO-P007'].reason}. To accept: Policy.accept(<construct>, 'MAMBO-P007', '<why>')`);
  });

  it('reports a warning as an annotation and goes on', () => {
    const { stack, host } = setup();
    new Volume(stack, 'stray', { provider: host.provider, name: 'stray' });
    Policy.enforce(stack);
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const warnings = stack.node.metadata.filter((entry) => entry.type === AnnotationMetadataEntryType.WARN).map((entry) => entry.data);
    expect(warnings).toEqual([expect.stringContaining('MAMBO-P006 (volume backup) at policy/stray: is not registered with its host')]);
  });

  it('asks for a reason and a known rule', () => {
    const { stack } = setup();
    expect(() => Policy.accept(stack, 'MAMBO-P001', '')).toThrow('accepting MAMBO-P001 needs a reason');
    expect(() => Policy.accept(stack, 'MAMBO-P999' as PolicyRuleId, 'because it is fine here')).toThrow('unknown policy rule MAMBO-P999');
  });
});
