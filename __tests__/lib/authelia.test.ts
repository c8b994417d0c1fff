// Authelia's configuration and users file as rendered, checked against the documented schema of the
// pinned 4.39 (lib/authelia-schema.ts) and yamllint; the schema refusing what Authelia refuses; the
// edge's forward-auth middleware; Grafana's auth proxy settings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parse } from 'yaml';

import {
  AUTHELIA_FORWARD_AUTH_PATH, AutheliaModel, autheliaConfig, autheliaSecretFiles, grafanaAuthProxyEnv, renderAutheliaConfig,
  renderAutheliaUsers, renderSsoMiddleware,
} from '../../lib/authelia';
import { AUTHELIA_SECRET_KEYS, autheliaConfigSchema, autheliaUsersSchema, checkAutheliaSecrets } from '../../lib/authelia-schema';
import { IMAGE_CATALOG } from '../../lib/images';
import { itWithTools, run } from '../support/tools';

const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ';

const model = (change: Partial<AutheliaModel> = {}): AutheliaModel => ({
  cookies: [
    { domain: 'mambo-cloud.example', portal: 'auth.mambo-cloud.example' },
    { domain: 'mambo-shop.example', portal: 'auth.mambo-shop.example' },
  ],
  rules: [
    { hostnames: ['traefik.mambo-cloud.example', 'grafana.mambo-cloud.example'], policy: 'two_factor' },
    { hostnames: ['wiki.mambo-shop.example'], policy: 'one_factor' },
    { hostnames: ['backoffice.mambo-cloud.example'], policy: 'two_factor' },
  ],
  defaultPolicy: 'deny',
  usersFile: '/config/users.yml',
  storageFile: '/data/db.sqlite3',
  notifier: { kind: 'filesystem', filename: '/data/notification.txt' },
  totpIssuer: 'mambo-cloud.example',
  session: { expiration: '1h', inactivity: '15m', rememberMe: '1M' },
  ...change,
});

const smtp = { kind: 'smtp', address: 'submission://smtp.example.com:587', sender: 'Mambo <auth@mambo-cloud.example>', identifier: 'mambo-cloud.example' } as const;

describe('the Authelia configuration', () => {
  it('pins a 4.39 image, the version whose documented schema the configuration is checked against', () => {
    expect(IMAGE_CATALOG.authelia.tag).toMatch(/^4\.39\.\d+$/);
  });

  it('parses back to the object it was rendered from, and that object passes the 4.39 schema', () => {
    for (const variant of [model(), model({ notifier: smtp })]) {
      const parsed = parse(renderAutheliaConfig(variant));
      expect(parsed).toEqual(autheliaConfig(variant));
      expect(autheliaConfigSchema.safeParse(parsed).error?.issues).toBeUndefined();
    }
  });

  it('uses the forward-auth endpoint alone, with session cookies only', () => {
    expect(autheliaConfig(model()).server.endpoints?.authz).toEqual({
      'forward-auth': { implementation: 'ForwardAuth', authn_strategies: [{ name: 'CookieSession' }] },
    });
  });

  it('requires one or two factors per hostname, merging hostnames of the same policy, and denies the rest', () => {
    expect(autheliaConfig(model()).access_control).toEqual({
      default_policy: 'deny',
      rules: [
        { domain: ['traefik.mambo-cloud.example', 'grafana.mambo-cloud.example', 'backoffice.mambo-cloud.example'], policy: 'two_factor' },
        { domain: ['wiki.mambo-shop.example'], policy: 'one_factor' },
      ],
    });
  });

  it('refuses one hostname under two policies', () => {
    const rules = [{ hostnames: ['a.mambo-cloud.example'], policy: 'one_factor' as const }, { hostnames: ['a.mambo-cloud.example'], policy: 'two_factor' as const }];
    expect(() => autheliaConfig(model({ rules }))).toThrow('SSO: hostname a.mambo-cloud.example is protected twice, with one_factor and two_factor');
  });

  it('falls back to two_factor when nothing is protected, as Authelia refuses deny without rules', () => {
    const config = autheliaConfig(model({ rules: [] }));
    expect(config.access_control).toEqual({ default_policy: 'two_factor', rules: [] });
    expect(autheliaConfigSchema.safeParse(config).success).toBe(true);
  });

  it('sets a session cookie per domain, each with its portal inside it', () => {
    expect(autheliaConfig(model()).session.cookies).toEqual([
      { domain: 'mambo-cloud.example', authelia_url: 'https://auth.mambo-cloud.example' },
      { domain: 'mambo-shop.example', authelia_url: 'https://auth.mambo-shop.example' },
    ]);
  });

  it('writes notifications to a file without SMTP, and uses SMTP alone when it is set', () => {
    expect(autheliaConfig(model()).notifier).toEqual({ filesystem: { filename: '/data/notification.txt' } });
    const notifier = autheliaConfig(model({ notifier: smtp })).notifier;
    expect(notifier.filesystem).toBeUndefined();
    expect(notifier.smtp).toMatchObject({ address: 'submission://smtp.example.com:587', sender: 'Mambo <auth@mambo-cloud.example>' });
  });

  it('stores its database on the data volume and leaves users to Terraform (no reset, no change of password inside)', () => {
    const config = autheliaConfig(model());
    expect(config.storage).toEqual({ local: { path: '/data/db.sqlite3' } });
    expect(config.authentication_backend).toMatchObject({ password_reset: { disable: true }, password_change: { disable: true }, file: { path: '/config/users.yml' } });
  });

  it('holds no secret: session secret, storage key and SMTP password come from *_FILE variables', () => {
    for (const variant of [model(), model({ notifier: smtp })]) {
      const text = renderAutheliaConfig(variant);
      expect(text).not.toMatch(/secret:|encryption_key|password:/);
    }
    expect(autheliaSecretFiles(false).map((secret) => secret.env)).toEqual(['AUTHELIA_SESSION_SECRET_FILE', 'AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE']);
    expect(autheliaSecretFiles(true).map((secret) => [secret.env, secret.file])).toContainEqual(
      ['AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE', '/config/secrets/notifier_smtp_password']);
  });

  it('knows which secrets a configuration needs', () => {
    const config = autheliaConfigSchema.parse(autheliaConfig(model({ notifier: smtp })));
    expect(checkAutheliaSecrets(config, autheliaSecretFiles(true).map((secret) => secret.env))).toEqual([]);
    expect(checkAutheliaSecrets(config, autheliaSecretFiles(false).map((secret) => secret.env)))
      .toEqual([`notifier.smtp.password is required: expected ${AUTHELIA_SECRET_KEYS['notifier.smtp.password']} naming a secret file`]);
  });

  itWithTools('yamllint')('passes yamllint', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mambo-authelia-'));
    const files = {
      'configuration.yml': renderAutheliaConfig(model({ notifier: smtp })),
      'users.yml': renderAutheliaUsers([{ name: 'admin', displayName: 'Mambo Ops', email: 'ops@mambo-cloud.example', groups: ['admins'], passwordHash: HASH }]),
      'sso.yml': renderSsoMiddleware({ autheliaAddress: 'http://authelia:9091' }),
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), `---\n${text}`);
    const result = run('yamllint', ['-d', '{extends: default, rules: {line-length: {max: 160}}}', ...Object.keys(files).map((name) => path.join(dir, name))]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the documented schema refuses what Authelia 4.39 refuses at start-up', () => {
  const refuse = (change: (config: any) => void, message: RegExp) => {
    const config = JSON.parse(JSON.stringify(autheliaConfig(model())));
    change(config);
    const result = autheliaConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n')).toMatch(message);
  };

  it('an unknown or misspelt key', () => refuse((config) => { config.sesion = config.session; }, /Unrecognized key.*"sesion"/));
  it('both notifiers at once', () => refuse((config) => { config.notifier.smtp = { address: 'smtp://a.example:25', sender: 'a@a.example' }; }, /exactly one of 'smtp' or 'filesystem'/));
  it('no notifier', () => refuse((config) => { delete config.notifier.filesystem; }, /exactly one of 'smtp' or 'filesystem'/));
  it('a portal outside its cookie domain', () => refuse((config) => { config.session.cookies[1].authelia_url = 'https://auth.mambo-cloud.example'; }, /authelia_url .* outside the cookie domain mambo-shop.example/));
  it('a portal over plain HTTP', () => refuse((config) => { config.session.cookies[0].authelia_url = 'http://auth.mambo-cloud.example'; }, /expected an absolute https:\/\/ URL/));
  it('a cookie domain inside another', () => refuse((config) => { config.session.cookies[1].domain = 'shop.mambo-cloud.example'; config.session.cookies[1].authelia_url = 'https://auth.shop.mambo-cloud.example'; }, /shares its scope with mambo-cloud.example/));
  it('deny without any rule', () => refuse((config) => { config.access_control.rules = []; }, /default_policy 'deny' needs at least one rule/));
  it('an unknown policy', () => refuse((config) => { config.access_control.rules[0].policy = 'two-factor'; }, /rules.0.policy/));
  it('a duration Authelia cannot read', () => refuse((config) => { config.session.inactivity = 'fifteen minutes'; }, /session.inactivity/));
  it('an SMTP address without a scheme it knows', () => refuse((config) => { delete config.notifier.filesystem; config.notifier.smtp = { address: 'mail.example.com:587', sender: 'a@a.example' }; }, /notifier.smtp.address/));
});

describe('the users file', () => {
  const users = [
    { name: 'admin', displayName: 'Mambo "Ops"', email: 'ops@mambo-cloud.example', groups: ['admins'], passwordHash: HASH },
    { name: 'dev.one', displayName: 'Dev', email: 'dev@mambo-cloud.example', groups: [], passwordHash: HASH },
  ];

  it('lists each user with the hash given and passes the users schema', () => {
    const parsed = parse(renderAutheliaUsers(users));
    expect(parsed.users.admin).toEqual({ disabled: false, displayname: 'Mambo "Ops"', password: HASH, email: 'ops@mambo-cloud.example', groups: ['admins'] });
    expect(autheliaUsersSchema.safeParse(parsed).success).toBe(true);
  });

  it('keeps a Terraform reference as the hash, for the value to arrive at apply time', () => {
    const text = renderAutheliaUsers([{ ...users[0], passwordHash: '${var.sso_user_admin_password_hash}' }]);
    expect(text).toContain("    password: '${var.sso_user_admin_password_hash}'\n");
  });

  it('refuses anything but an argon2id digest in the schema', () => {
    const parsed = parse(renderAutheliaUsers([{ ...users[0], passwordHash: '$2y$10$abcdefghijklmnopqrstuv' }]));
    expect(autheliaUsersSchema.safeParse(parsed).error?.issues[0].message).toBe('expected an argon2id digest');
  });
});

describe('the forward-auth middleware', () => {
  it('asks Authelia\'s authz endpoint and passes its identity headers on', () => {
    expect(parse(renderSsoMiddleware({ autheliaAddress: 'http://authelia:9091' }))).toEqual({
      http: {
        middlewares: {
          sso: {
            forwardAuth: {
              address: `http://authelia:9091${AUTHELIA_FORWARD_AUTH_PATH}`,
              trustForwardHeader: true,
              authResponseHeaders: ['Remote-User', 'Remote-Groups', 'Remote-Email', 'Remote-Name'],
            },
          },
        },
      },
    });
    expect(AUTHELIA_FORWARD_AUTH_PATH).toBe('/api/authz/forward-auth');
  });
});

describe('Grafana\'s auth proxy', () => {
  it('signs users in from Remote-User, accepting the headers from the edge alone', () => {
    expect(grafanaAuthProxyEnv({ trustedProxies: ['172.30.0.254'], signOutUrl: 'https://auth.mambo-cloud.example/logout' })).toEqual({
      GF_AUTH_PROXY_ENABLED: 'true',
      GF_AUTH_PROXY_HEADER_NAME: 'Remote-User',
      GF_AUTH_PROXY_HEADER_PROPERTY: 'username',
      GF_AUTH_PROXY_AUTO_SIGN_UP: 'true',
      GF_AUTH_PROXY_HEADERS: 'Name:Remote-Name Email:Remote-Email',
      GF_AUTH_PROXY_WHITELIST: '172.30.0.254',
      GF_AUTH_PROXY_ENABLE_LOGIN_TOKEN: 'false',
      GF_AUTH_DISABLE_LOGIN_FORM: 'true',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_USERS_AUTO_ASSIGN_ORG_ROLE: 'Viewer',
      GF_AUTH_SIGNOUT_REDIRECT_URL: 'https://auth.mambo-cloud.example/logout',
    });
  });

  it('refuses to trust every address', () => {
    expect(() => grafanaAuthProxyEnv({ trustedProxies: [] })).toThrow('expected at least one trusted proxy address');
  });
});
