// The SSO model from the config: variable names (prefixed per environment, or named by the config),
// a cookie and portal per domain, the policy each `auth` asks for, the edge's pinned address.
import { SsoConfig } from '../../lib/config-schema';
import { defaultPasswordHashVariable, pinnedEdgeAddress, resolveSso, ssoPolicyOf } from '../../lib/sso';

const config: SsoConfig = {
  users: {
    admin: { displayName: 'Ops', email: 'ops@example.com', groups: ['admins'] },
    'dev.one': { displayName: 'Dev', email: 'dev@example.com', groups: [], passwordHashEnv: 'TF_VAR_dev_hash' },
  },
  dashboards: 'sso-2fa',
  defaultPolicy: 'deny',
  smtp: { address: 'submission://smtp.example.com:587', sender: 'a@example.com', usernameEnv: 'TF_VAR_mail_user' },
  session: { expiration: '1h', inactivity: '15m', rememberMe: '1M' },
};

describe('resolveSso', () => {
  it('names each user\'s hash variable after the user, unless the config names it', () => {
    expect(resolveSso(config, 'auth', ['example.com']).users.map((user) => user.passwordHashVariable)).toEqual(['sso_user_admin_password_hash', 'dev_hash']);
    expect(defaultPasswordHashVariable('dev.one-x')).toBe('sso_user_dev_one_x_password_hash');
  });

  it('prefixes the default names per environment, never the ones the config names', () => {
    const sso = resolveSso(config, 'auth', ['staging.example.com'], 'staging_');
    expect(sso.users.map((user) => user.passwordHashVariable)).toEqual(['staging_sso_user_admin_password_hash', 'dev_hash']);
    expect(sso.smtp).toEqual({ address: 'submission://smtp.example.com:587', sender: 'a@example.com', usernameVariable: 'mail_user', passwordVariable: 'staging_sso_smtp_password' });
  });

  it('sets a cookie per domain with its portal under it', () => {
    expect(resolveSso(config, 'login', ['example.com', 'shop.example.org']).cookies).toEqual([
      { domain: 'example.com', portal: 'login.example.com' }, { domain: 'shop.example.org', portal: 'login.shop.example.org' },
    ]);
  });
});

describe('ssoPolicyOf', () => {
  it('maps sso to one factor, sso-2fa to two, and the rest to no SSO', () => {
    expect([ssoPolicyOf('sso'), ssoPolicyOf('sso-2fa'), ssoPolicyOf('basic'), ssoPolicyOf('none')]).toEqual(['one_factor', 'two_factor', undefined, undefined]);
  });
});

describe('pinnedEdgeAddress', () => {
  it('takes the last host address of the web subnet', () => {
    expect(pinnedEdgeAddress('172.30.0.0/24')).toBe('172.30.0.254');
    expect(pinnedEdgeAddress('10.8.0.0/16')).toBe('10.8.255.254');
    expect(pinnedEdgeAddress('192.168.7.16/28')).toBe('192.168.7.30');
  });

  it('refuses what has no room for it', () => {
    expect(() => pinnedEdgeAddress('172.30.0.0/31')).toThrow('expected an IPv4 subnet of /30 or larger');
    expect(() => pinnedEdgeAddress('fd00::/64')).toThrow('expected an IPv4 subnet');
  });
});
