// SSO in the platform stack: Authelia with its secrets from files, its database on a volume backups
// cover, a portal router per domain; the forward-auth middleware first on every protected router and
// a rule per protected hostname; `auth` and `sso` in platform.yaml, SMTP, and the config errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { Testing, TerraformStack } from 'cdktf';
import { Document, parse } from 'yaml';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';

import { AutheliaSso, passwordHashVariable } from '../../constructs/authelia-sso';
import { DockerHost } from '../../constructs/docker-host';
import { TraefikEdge } from '../../constructs/traefik-edge';
import { autheliaConfigSchema } from '../../lib/authelia-schema';
import { SERVER_TYPES } from '../../lib/hetzner-catalog';
import { SSO_MIDDLEWARE } from '../../lib/sso';
import { buildEnvironment, containerNamed, labelsOf, PRODUCTION, specOf } from '../support/platform';
import { hasTool, run } from '../support/tools';

const PREFIX = 'mambo-production';
const upload = (container: any, file: string) => container.upload.find((entry: any) => entry.file === file);
const autheliaConfigOf = (config: any) => parse(upload(containerNamed(config, `${PREFIX}-authelia`), '/config/configuration.yml').content);
const withApp = (name: string, app: Record<string, unknown>) => (document: Document) => document.setIn([...PRODUCTION, 'apps', name], document.createNode(app));

describe('SSO on the default platform', () => {
  const { platformConfig, platform } = buildEnvironment();
  const authelia = containerNamed(platformConfig, `${PREFIX}-authelia`);

  it('runs the pinned Authelia with its configuration valid against the 4.39 schema', () => {
    expect(Object.values<any>(platformConfig.resource.docker_image).map((image) => image.name)).toContain('authelia/authelia:4.39.4');
    expect(autheliaConfigSchema.safeParse(autheliaConfigOf(platformConfig)).success).toBe(true);
    expect(authelia).toMatchObject({ memory: 128, security_opts: ['no-new-privileges:true'], capabilities: { drop: ['ALL'] } });
    expect(authelia.healthcheck.test).toEqual(['CMD', '/app/healthcheck.sh']);
    expect(authelia.ports).toBeUndefined();
  });

  it('puts the traefik dashboard, Grafana and the backoffice behind SSO with two factors, forward-auth after the rate limit and headers', () => {
    const traefik = labelsOf(containerNamed(platformConfig, `${PREFIX}-traefik`));
    const backoffice = labelsOf(containerNamed(platformConfig, `${PREFIX}-backoffice`));
    expect(traefik['traefik.http.routers.traefik-dashboard.middlewares']).toBe(`rate-strict@file,security-headers@file,${SSO_MIDDLEWARE}`);
    expect(backoffice['traefik.http.routers.backoffice.middlewares'].split(',').at(-1)).toBe(SSO_MIDDLEWARE);
    expect(autheliaConfigOf(platformConfig).access_control).toEqual({
      default_policy: 'deny',
      rules: [{ domain: ['traefik.mambo-cloud.example', 'grafana.mambo-cloud.example', 'backoffice.mambo-cloud.example'], policy: 'two_factor' }],
    });
    expect(platform.sso!.protectedHostnames.get('backoffice.mambo-cloud.example')).toBe('two_factor');
  });

  it('defines the middleware in the edge\'s dynamic config, asking Authelia on the web network', () => {
    const sso = parse(upload(containerNamed(platformConfig, `${PREFIX}-traefik`), '/etc/traefik/dynamic/sso.yml').content);
    expect(sso.http.middlewares.sso.forwardAuth.address).toBe('http://authelia:9091/api/authz/forward-auth');
    expect(authelia.networks_advanced).toEqual([{ name: expect.stringContaining('network-web'), aliases: ['authelia'] }]);
  });

  it('serves a portal per domain, each on its own router and certificate', () => {
    const labels = labelsOf(authelia);
    expect(labels['traefik.http.routers.sso-portal-0.rule']).toBe('Host(`auth.mambo-cloud.example`)');
    expect(labels['traefik.http.routers.sso-portal-1.rule']).toBe('Host(`auth.mambo-shop.example`)');
    expect(labels['traefik.http.routers.sso-portal-1.tls.certresolver']).toBe('le');
    expect(autheliaConfigOf(platformConfig).session.cookies.map((cookie: any) => [cookie.domain, cookie.authelia_url])).toEqual([
      ['mambo-cloud.example', 'https://auth.mambo-cloud.example'], ['mambo-shop.example', 'https://auth.mambo-shop.example'],
    ]);
  });

  it('reads its secrets from files whose content is a generated value, never a literal', () => {
    expect(authelia.env).toEqual([
      'AUTHELIA_SESSION_SECRET_FILE=/config/secrets/session_secret',
      'AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE=/config/secrets/storage_encryption_key',
    ]);
    expect(upload(authelia, '/config/secrets/session_secret')).toEqual({
      file: '/config/secrets/session_secret', permissions: '0400', content: expect.stringMatching(/^\$\{random_password\.sso_session-secret_\w+\.result\}$/),
    });
    expect(upload(authelia, '/config/secrets/storage_encryption_key').content).toMatch(/^\$\{random_password\.sso_storage-encryption-key_\w+\.result\}$/);
    expect(Object.values<any>(platformConfig.resource.random_password).map((password) => [password.length, password.special]))
      .toEqual(expect.arrayContaining([[64, false], [64, false]]));
  });

  it('takes each user\'s argon2id hash from a sensitive variable validated at plan time', () => {
    expect(upload(authelia, '/config/users.yml').content).toContain("password: '${var.sso_user_admin_password_hash}'");
    expect(platformConfig.variable.sso_user_admin_password_hash).toMatchObject({ sensitive: true, nullable: false, type: 'string' });
    expect(platformConfig.variable.sso_user_admin_password_hash.validation[0].condition).toContain('can(regex(');
  });

  it('keeps its database and notification file on a volume backups cover (stopped while copied)', () => {
    const volume = platform.hosts.main.volumes.find((registered) => registered.name === `${PREFIX}-authelia`)!;
    expect(volume).toMatchObject({ backup: 'stop', owner: 'platform', containers: [`${PREFIX}-authelia`] });
    expect(authelia.volumes).toEqual([{ container_path: '/data', volume_name: expect.stringContaining('docker_volume.sso_volume-authelia') }]);
    expect(autheliaConfigOf(platformConfig).storage.local.path).toBe('/data/db.sqlite3');
    expect(autheliaConfigOf(platformConfig).notifier).toEqual({ filesystem: { filename: '/data/notification.txt' } });
  });

  it('asks for the htpasswd variable no more: nothing uses basic auth', () => {
    expect(platformConfig.variable.platform_basic_auth_htpasswd).toMatchObject({ sensitive: true, default: '' });
  });
});

describe('app auth in platform.yaml', () => {
  const { platformConfig } = buildEnvironment((document) => {
    withApp('wiki', { image: 'ghcr.io/mambo/wiki:1.0.0', port: 3000, hostnames: ['wiki.mambo-shop.example'], auth: 'sso' })(document);
    withApp('admin', { image: 'ghcr.io/mambo/admin:2.1.0', port: 8080, hostnames: ['admin'], auth: 'sso-2fa' })(document);
    withApp('legacy', { image: 'ghcr.io/mambo/legacy:0.9.1', port: 8080, hostnames: ['legacy'], auth: 'basic' })(document);
    withApp('site', { image: 'ghcr.io/mambo/site:3.0.0', port: 8080, hostnames: ['site'] })(document);
  });
  const middlewares = (app: string) => labelsOf(containerNamed(platformConfig, `${PREFIX}-${app}`))[`traefik.http.routers.${app}.middlewares`].split(',');

  it('sso: one factor; sso-2fa: two; forward-auth last in each chain', () => {
    expect(middlewares('wiki').at(-1)).toBe(SSO_MIDDLEWARE);
    expect(middlewares('admin').at(-1)).toBe(SSO_MIDDLEWARE);
    expect(autheliaConfigOf(platformConfig).access_control.rules).toEqual([
      { domain: ['traefik.mambo-cloud.example', 'grafana.mambo-cloud.example', 'backoffice.mambo-cloud.example', 'admin.mambo-cloud.example'], policy: 'two_factor' },
      { domain: ['wiki.mambo-shop.example'], policy: 'one_factor' },
    ]);
  });

  it('basic keeps working beside SSO, and makes the htpasswd variable required again', () => {
    expect(middlewares('legacy').at(-1)).toBe('basic-auth@file');
    expect(platformConfig.variable.platform_basic_auth_htpasswd.default).toBeUndefined();
  });

  it('none adds no authentication', () => {
    expect(middlewares('site')).not.toContain(SSO_MIDDLEWARE);
    expect(middlewares('site')).not.toContain('basic-auth@file');
  });
});

describe('session cookies', () => {
  it('are named per environment, so staging\'s portal never reads production\'s cookie under the shared domain', () => {
    const { platformConfig } = buildEnvironment();
    expect(autheliaConfigOf(platformConfig).session.name).toBe('mambo_production_session');
  });
});

describe('the sso section', () => {
  it('dashboards: sso asks one factor for them', () => {
    const { platformConfig } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'sso', 'dashboards'], 'sso'));
    expect(autheliaConfigOf(platformConfig).access_control.rules).toEqual([
      { domain: ['traefik.mambo-cloud.example', 'grafana.mambo-cloud.example', 'backoffice.mambo-cloud.example'], policy: 'one_factor' },
    ]);
  });

  it('dashboards: basic keeps them on basic auth, with the htpasswd variable required', () => {
    const { platformConfig } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'sso', 'dashboards'], 'basic'));
    const traefik = labelsOf(containerNamed(platformConfig, `${PREFIX}-traefik`));
    expect(traefik['traefik.http.routers.traefik-dashboard.middlewares']).toMatch(/,basic-auth@file$/);
    expect(platformConfig.variable.platform_basic_auth_htpasswd.default).toBeUndefined();
  });

  it('without it: no Authelia, no portal hostnames, dashboards on basic auth', () => {
    const { platformConfig, infraJson } = buildEnvironment((document) => document.deleteIn([...PRODUCTION, 'sso']));
    expect(() => containerNamed(platformConfig, `${PREFIX}-authelia`)).toThrow('no container named');
    expect(infraJson).not.toContain('"name": "auth"');
    expect(labelsOf(containerNamed(platformConfig, `${PREFIX}-backoffice`))['traefik.http.routers.backoffice.middlewares']).toMatch(/,basic-auth@file$/);
  });

  it('with SMTP: the SMTP notifier, its login and password from sensitive variables, and a route out', () => {
    const { platformConfig } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'sso', 'smtp'], document.createNode({
      address: 'submission://smtp.example.com:587', sender: 'Mambo <auth@mambo-cloud.example>', usernameEnv: 'TF_VAR_sso_smtp_username',
    })));
    const authelia = containerNamed(platformConfig, `${PREFIX}-authelia`);
    expect(autheliaConfigOf(platformConfig).notifier.smtp).toMatchObject({ address: 'submission://smtp.example.com:587', sender: 'Mambo <auth@mambo-cloud.example>' });
    expect(autheliaConfigOf(platformConfig).notifier.filesystem).toBeUndefined();
    expect(authelia.env).toContain('AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE=/config/secrets/notifier_smtp_password');
    expect(authelia.env).toContain('AUTHELIA_NOTIFIER_SMTP_USERNAME=${var.sso_smtp_username}');
    expect(upload(authelia, '/config/secrets/notifier_smtp_password')).toMatchObject({ content: '${var.sso_smtp_password}', permissions: '0400' });
    expect(platformConfig.variable.sso_smtp_password).toMatchObject({ sensitive: true });
    expect(authelia.networks_advanced.map((network: any) => network.name)).toEqual([
      expect.stringContaining('network-web'), expect.stringContaining('network-edge'),
    ]);
  });

  it('refuses an app asking for SSO without it, naming the app\'s auth', () => {
    expect(() => specOf((document) => {
      document.deleteIn([...PRODUCTION, 'sso']);
      withApp('wiki', { image: 'ghcr.io/mambo/wiki:1.0.0', port: 3000, hostnames: ['wiki'], auth: 'sso' })(document);
    })).toThrow(/environments\.production\.apps\.wiki\.auth: found "sso" without an `sso` section in the environment; expected `sso` \(users, dashboards\) first/);
  });

  it('refuses an SSO app off the primary host', () => {
    expect(() => specOf((document) => {
      document.setIn([...PRODUCTION, 'hosts', 'second'], document.createNode({ serverType: 'cax11' }));
      withApp('wiki', { image: 'ghcr.io/mambo/wiki:1.0.0', port: 3000, hostnames: ['wiki'], auth: 'sso-2fa', host: 'second' })(document);
    })).toThrow(/apps\.wiki\.host: found an app with auth "sso-2fa" off the primary host; expected the primary host, where SSO runs/);
  });

  it('refuses an unknown auth and a hash written in the file', () => {
    expect(() => specOf(withApp('wiki', { image: 'ghcr.io/mambo/wiki:1.0.0', port: 3000, hostnames: ['wiki'], auth: 'oidc' })))
      .toThrow(/apps\.wiki\.auth: found "oidc"; expected one of "none", "basic", "sso", "sso-2fa"/);
    expect(() => specOf((document) => document.setIn([...PRODUCTION, 'sso', 'users', 'admin', 'password'], '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')))
      .toThrow(/sso\.users\.admin\.password: found a secret written inline/);
  });
});

describe('AutheliaSso as a library construct', () => {
  function build() {
    const stack = new TerraformStack(Testing.app(), 'sso');
    new RandomProvider(stack, 'random');
    const host = new DockerHost(stack, 'host', { hostName: 'main', namePrefix: 'lib', address: '203.0.113.10', serverType: SERVER_TYPES.cax11 });
    const network = (name: string, subnet: string) => host.addNetwork(name, { subnet, internal: name !== 'edge' });
    const edge = new TraefikEdge(stack, 'edge', {
      host, webNetwork: network('web', '172.31.0.0/24'), socketNetwork: network('socket', '172.31.1.0/24'), egressNetwork: network('edge', '172.31.2.0/24'),
      acmeEmail: 'ops@example.com', basicAuthUsers: '', domains: ['example.com'],
    });
    const sso = new AutheliaSso(stack, 'sso', {
      host, edge, cookies: [{ domain: 'example.com', portal: 'login.example.com' }],
      users: [{ name: 'alice', displayName: 'Alice', email: 'alice@example.com', groups: [], passwordHash: passwordHashVariable(stack, 'alice_hash', 'alice').stringValue }],
    });
    return { stack, sso };
  }

  it('refuses to protect a hostname its cookies do not reach', () => {
    expect(() => build().sso.protect(['app.example.org'], 'one_factor'))
      .toThrow('sso/sso: app.example.org is outside every SSO cookie domain (example.com); expected a hostname under one of them');
  });

  it('refuses a portal outside its cookie domain', () => {
    const { stack } = build();
    const host = new DockerHost(stack, 'other', { hostName: 'other', namePrefix: 'lib2', address: '203.0.113.11', serverType: SERVER_TYPES.cax11 });
    expect(() => new AutheliaSso(stack, 'bad', {
      host, edge: stack.node.findChild('edge') as TraefikEdge, cookies: [{ domain: 'example.com', portal: 'login.example.org' }],
      users: [{ name: 'bob', displayName: 'Bob', email: 'bob@example.com', groups: [], passwordHash: 'x' }],
    })).toThrow('sso/bad: portal login.example.org is outside its cookie domain example.com');
  });

  it('renders its rules at synth, after every protect', () => {
    const { stack, sso } = build();
    sso.protect(['a.example.com'], 'two_factor');
    sso.protect(['b.example.com'], 'one_factor');
    const config = JSON.parse(Testing.synth(stack, true));
    const authelia = Object.values<any>(config.resource.docker_container).find((container) => container.name === 'lib-authelia');
    expect(parse(upload(authelia, '/config/configuration.yml').content).access_control.rules).toEqual([
      { domain: ['a.example.com'], policy: 'two_factor' }, { domain: ['b.example.com'], policy: 'one_factor' },
    ]);
  });
});

(hasTool('terraform') ? it : it.skip)('the hash variable refuses anything but an argon2id digest at plan time (terraform plan)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mambo-hash-'));
  const stack = new TerraformStack(Testing.app(), 'hash');
  passwordHashVariable(stack, 'sso_user_admin_password_hash', 'admin');
  const variable = JSON.parse(Testing.synth(stack)).variable;
  writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ variable }));
  const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  expect(run('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env }).status).toBe(0);
  const plan = (hash: string) => run('terraform', ['plan', '-input=false', '-no-color', '-lock=false'], { cwd: dir, env: { ...env, TF_VAR_sso_user_admin_password_hash: hash } });
  expect(plan('$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ').status).toBe(0);
  const refused = plan('$2y$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX');
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('must be an argon2id digest');
});
