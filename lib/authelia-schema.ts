// The part of Authelia 4.39's configuration the platform renders, as a strict schema: every key we
// write, its type and allowed values, and the cross-field rules Authelia's own validator enforces at
// start-up. Authelia's binary is not available where the platform is synthesized, so this is how a
// rendered configuration is checked before it reaches a host. Unknown keys are refused, as Authelia
// itself warns on them and fails on misspelt sections.
//
// Sources (Authelia v4.39 documentation, www.authelia.com):
//   /configuration/miscellaneous/server/ and /configuration/miscellaneous/server-endpoints-authz/
//   /configuration/miscellaneous/logging/, /configuration/miscellaneous/ntp/
//   /configuration/second-factor/time-based-one-time-password/, /configuration/second-factor/webauthn/
//   /configuration/first-factor/introduction/, /configuration/first-factor/file/
//   /configuration/security/access-control/, /configuration/security/regulation/
//   /configuration/session/introduction/
//   /configuration/storage/introduction/, /configuration/storage/sqlite/
//   /configuration/notifications/introduction/, /configuration/notifications/file/, /configuration/notifications/smtp/
//   /configuration/methods/secrets/ (the *_FILE variables), /reference/guides/passwords/ (the users file)
// and the published JSON schema https://www.authelia.com/schemas/v4.39/json-schema/configuration.json.

import { z } from 'zod';

/** Authelia's duration syntax: `1h`, `15m`, `1M` (month), `1 hour`, or seconds as an integer. */
const DURATION_UNIT = '(y|M|w|d|h|m|s|ms|((year|month|week|day|hour|minute|second|millisecond)s?))';
const duration = z.union([
  z.string().regex(new RegExp(`^\\d+\\s*${DURATION_UNIT}(\\s*\\d+\\s*${DURATION_UNIT})*$`), 'expected an Authelia duration such as 1h or 5m'),
  z.int().nonnegative(),
]);

/** A host name as a cookie domain or rule domain: labels and dots, at least one dot, no wildcard at the root. */
const domainName = z.string().regex(/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/, 'expected a domain name');
const httpsUrl = z.url({ protocol: /^https$/, error: 'expected an absolute https:// URL' });

/** server: the listener and the authz endpoints (`/api/authz/<name>`). */
const server = z.strictObject({
  // AddressTCP: `tcp://[host]:port/[path]`.
  address: z.string().regex(/^tcp[46]?:\/\/[^/:]*:\d{1,5}\/?$/, 'expected tcp://:9091/'),
  endpoints: z.strictObject({
    enable_pprof: z.boolean().optional(),
    enable_expvars: z.boolean().optional(),
    authz: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.strictObject({
      implementation: z.enum(['ForwardAuth', 'AuthRequest', 'ExtAuthz', 'Legacy']),
      authn_strategies: z.array(z.strictObject({
        name: z.enum(['HeaderAuthorization', 'HeaderProxyAuthorization', 'HeaderAuthRequestProxyAuthorization', 'HeaderLegacy', 'CookieSession']),
      })).min(1).optional(),
    })).optional(),
  }).optional(),
});

const log = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug', 'trace']),
  format: z.enum(['json', 'text']),
});

const totp = z.strictObject({
  disable: z.boolean().optional(),
  issuer: z.string().min(1),
  digits: z.union([z.literal(6), z.literal(8)]).optional(),
  period: z.int().min(15).optional(),
  skew: z.int().min(0).optional(),
  secret_size: z.int().min(20).optional(),
});

const webauthn = z.strictObject({
  disable: z.boolean().optional(),
  display_name: z.string().min(1).optional(),
});

const argon2 = z.strictObject({
  variant: z.enum(['argon2id', 'argon2i', 'argon2d']),
  iterations: z.int().min(1),
  memory: z.int().min(8),
  parallelism: z.int().min(1),
  key_length: z.int().min(4),
  salt_length: z.int().min(1),
});

const authenticationBackend = z.strictObject({
  password_reset: z.strictObject({ disable: z.boolean() }).optional(),
  password_change: z.strictObject({ disable: z.boolean() }).optional(),
  refresh_interval: z.union([z.enum(['always', 'never']), duration]).optional(),
  file: z.strictObject({
    path: z.string().regex(/^\//, 'expected an absolute path'),
    watch: z.boolean().optional(),
    password: z.strictObject({ algorithm: z.literal('argon2'), argon2 }).optional(),
  }),
});

const policy = z.enum(['bypass', 'deny', 'one_factor', 'two_factor']);
const accessControlRule = z.strictObject({
  domain: z.union([domainName, z.array(domainName).min(1)]),
  policy,
  subject: z.array(z.string().regex(/^(user|group):.+$/, 'expected user:<name> or group:<name>')).optional(),
  resources: z.array(z.string()).optional(),
});
const accessControl = z.strictObject({
  default_policy: z.enum(['deny', 'one_factor', 'two_factor']),
  rules: z.array(accessControlRule),
}).refine(
  // validator/access_control.go: "when no rules are specified it must be 'two_factor' or 'one_factor'".
  (config) => config.default_policy !== 'deny' || config.rules.length > 0,
  { message: "access_control: default_policy 'deny' needs at least one rule", path: ['default_policy'] },
);

const sessionCookie = z.strictObject({
  domain: domainName.refine((domain) => !domain.startsWith('*.'), 'expected the domain itself, not a wildcard'),
  authelia_url: httpsUrl,
  default_redirection_url: httpsUrl.optional(),
  name: z.string().optional(),
});
const session = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
  same_site: z.enum(['lax', 'strict', 'none']).optional(),
  expiration: duration.optional(),
  inactivity: duration.optional(),
  remember_me: z.union([duration, z.literal(-1)]).optional(),
  cookies: z.array(sessionCookie).min(1, "session: option 'cookies' is required"),
}).superRefine((config, context) => {
  // validator/session.go: the portal and the default redirection share the cookie's scope; domains are unique
  // and none is inside another (they would share a cookie scope).
  config.cookies.forEach((cookie, index) => {
    const inScope = (url: string) => {
      const host = new URL(url).hostname;
      return host === cookie.domain || host.endsWith(`.${cookie.domain}`);
    };
    if (!inScope(cookie.authelia_url)) {
      context.addIssue({ code: 'custom', path: ['cookies', index, 'authelia_url'], message: `authelia_url ${cookie.authelia_url} is outside the cookie domain ${cookie.domain}` });
    }
    if (cookie.default_redirection_url !== undefined) {
      if (!inScope(cookie.default_redirection_url)) {
        context.addIssue({ code: 'custom', path: ['cookies', index, 'default_redirection_url'], message: `default_redirection_url is outside the cookie domain ${cookie.domain}` });
      }
      if (new URL(cookie.default_redirection_url).href === new URL(cookie.authelia_url).href) {
        context.addIssue({ code: 'custom', path: ['cookies', index, 'default_redirection_url'], message: 'default_redirection_url equals authelia_url' });
      }
    }
    config.cookies.forEach((other, otherIndex) => {
      if (otherIndex !== index && (other.domain === cookie.domain || cookie.domain.endsWith(`.${other.domain}`))) {
        context.addIssue({ code: 'custom', path: ['cookies', index, 'domain'], message: `cookie domain ${cookie.domain} shares its scope with ${other.domain}` });
      }
    });
  });
});

const regulation = z.strictObject({
  modes: z.array(z.enum(['user', 'ip'])).min(1).optional(),
  max_retries: z.int().min(0),
  find_time: duration,
  ban_time: duration,
});

const storage = z.strictObject({
  local: z.strictObject({ path: z.string().regex(/^\//, 'expected an absolute path') }),
});

const notifier = z.strictObject({
  disable_startup_check: z.boolean().optional(),
  filesystem: z.strictObject({ filename: z.string().regex(/^\//, 'expected an absolute path') }).optional(),
  smtp: z.strictObject({
    // AddressSMTP, with its scheme required here: `smtp://`, `submission://` (StartTLS) or `submissions://` (TLS).
    address: z.string().regex(/^(smtp|submissions?):\/\/[^:/\s]+(:\d{1,5})?$/, 'expected smtp://, submission:// or submissions://host[:port]'),
    sender: z.string().regex(/^([^<>\n]+ <[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'expected an RFC 5322 sender'),
    identifier: z.string().min(1).optional(),
    subject: z.string().includes('{title}').optional(),
    timeout: duration.optional(),
    disable_require_tls: z.literal(false).optional(),
    tls: z.strictObject({ minimum_version: z.enum(['TLS1.2', 'TLS1.3']) }).optional(),
  }).optional(),
}).refine(
  // validator/notifier.go: "please ensure only one of the 'smtp' or 'filesystem' notifier is configured".
  (config) => (config.smtp === undefined) !== (config.filesystem === undefined),
  { message: "notifier: exactly one of 'smtp' or 'filesystem' must be configured" },
);

const ntp = z.strictObject({
  disable_startup_check: z.boolean().optional(),
  disable_failure: z.boolean().optional(),
});

/**
 * The configuration file as the platform renders it. Secrets (`session.secret`,
 * `storage.encryption_key`, `notifier.smtp.password`) are absent on purpose: Authelia reads them from
 * the files its `*_FILE` environment variables name (see {@link checkAutheliaSecrets}).
 */
export const autheliaConfigSchema = z.strictObject({
  theme: z.enum(['auto', 'light', 'dark', 'grey', 'oled']).optional(),
  default_2fa_method: z.enum(['totp', 'webauthn', 'mobile_push']).optional(),
  server,
  log,
  totp,
  webauthn: webauthn.optional(),
  authentication_backend: authenticationBackend,
  access_control: accessControl,
  session,
  regulation,
  storage,
  notifier,
  ntp: ntp.optional(),
});

export type AutheliaConfig = z.output<typeof autheliaConfigSchema>;

/** The users file: `users.<name>` with an argon2id digest (PasswordDigest in the JSON schema), a display name, e-mail and groups. */
export const autheliaUsersSchema = z.strictObject({
  users: z.record(z.string().regex(/^[a-z][a-z0-9._-]{0,31}$/), z.strictObject({
    disabled: z.boolean().optional(),
    displayname: z.string().min(1),
    password: z.string().regex(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9/+]+\$[A-Za-z0-9/+]+$/, 'expected an argon2id digest'),
    email: z.email(),
    groups: z.array(z.string().min(1)),
  })).refine((users) => Object.keys(users).length > 0, 'expected at least one user'),
});

/**
 * Secret keys Authelia loads from `AUTHELIA_<PATH>_FILE` (configuration/methods/secrets): a secret must
 * come from exactly one place, and Authelia refuses to start when it is set both in the file and by a
 * `_FILE` variable.
 */
export const AUTHELIA_SECRET_KEYS = {
  'session.secret': 'AUTHELIA_SESSION_SECRET_FILE',
  'storage.encryption_key': 'AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE',
  'notifier.smtp.password': 'AUTHELIA_NOTIFIER_SMTP_PASSWORD_FILE',
  'identity_validation.reset_password.jwt_secret': 'AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE',
} as const;

/**
 * The secrets a configuration needs, checked against the `_FILE` variables given to the container:
 * the session secret and the storage key always, the SMTP password with SMTP; the reset-password JWT
 * secret unless password reset is disabled. Returns the problems, empty when the set is complete.
 */
export function checkAutheliaSecrets(config: AutheliaConfig, fileVariables: readonly string[]): string[] {
  const needed: (keyof typeof AUTHELIA_SECRET_KEYS)[] = ['session.secret', 'storage.encryption_key'];
  if (config.notifier.smtp) needed.push('notifier.smtp.password');
  if (!config.authentication_backend.password_reset?.disable) needed.push('identity_validation.reset_password.jwt_secret');
  return needed
    .filter((key) => !fileVariables.includes(AUTHELIA_SECRET_KEYS[key]))
    .map((key) => `${key} is required: expected ${AUTHELIA_SECRET_KEYS[key]} naming a secret file`);
}
