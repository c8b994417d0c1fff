// Renders what single sign-on needs from a typed model: Authelia's configuration and users file, the
// edge's forward-auth middleware, and the settings with which Grafana signs users in from the
// headers Authelia returns (auth proxy). Secrets never appear here: Authelia reads them from files.

import { stringify } from 'yaml';

import { AUTHELIA_SECRET_KEYS, AutheliaConfig } from './authelia-schema';
import { SsoPolicy } from './sso';

/** Authelia's listener inside the container; never published. */
export const AUTHELIA_PORT = 9091;

/** The forward-auth endpoint (Authelia ≥ 4.38 `server.endpoints.authz`), asked by Traefik on every protected request. */
export const AUTHELIA_FORWARD_AUTH_PATH = '/api/authz/forward-auth';

/** Headers Authelia returns on success; the edge passes them to the protected service. */
export const SSO_IDENTITY_HEADERS = ['Remote-User', 'Remote-Groups', 'Remote-Email', 'Remote-Name'] as const;

/** Where Authelia finds each secret: a file written into the container, named by a `*_FILE` variable. */
export const AUTHELIA_SECRETS_DIR = '/config/secrets';

export interface AutheliaRule {
  /** Full hostnames the rule matches. */
  readonly hostnames: readonly string[];
  readonly policy: SsoPolicy;
  /** Restrict the rule to these users or groups (`user:alice`, `group:admins`). @default anyone signed in */
  readonly subjects?: readonly string[];
}

export interface AutheliaCookie {
  /** The cookie's domain; every protected hostname under it shares the session. */
  readonly domain: string;
  /** The portal's hostname, inside `domain`. */
  readonly portal: string;
  /** Where a user lands after signing in without a target. @default the portal's own page */
  readonly defaultRedirectionUrl?: string;
}

export type AutheliaNotifier =
  | { readonly kind: 'filesystem'; readonly filename: string }
  | { readonly kind: 'smtp'; readonly address: string; readonly sender: string; readonly identifier: string };

export interface AutheliaModel {
  readonly cookies: readonly AutheliaCookie[];
  readonly rules: readonly AutheliaRule[];
  readonly defaultPolicy: 'deny' | 'one_factor' | 'two_factor';
  readonly usersFile: string;
  /** The SQLite database, on a volume that backups cover. */
  readonly storageFile: string;
  readonly notifier: AutheliaNotifier;
  /** The name authenticator apps show next to the code. */
  readonly totpIssuer: string;
  readonly session: { readonly expiration: string; readonly inactivity: string; readonly rememberMe: string };
  /** Failed sign-ins before a user and an address are refused for `banTime`. @default 5 in 10m, 15m */
  readonly regulation?: { readonly maxRetries: number; readonly findTime: string; readonly banTime: string };
  /**
   * The session cookie's name. Environments nested under one domain (staging.example.com under
   * example.com) must differ, or one environment's portal would read the other's cookie.
   * @default 'authelia_session'
   */
  readonly cookieName?: string;
}

export interface AutheliaUser {
  readonly name: string;
  readonly displayName: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** The argon2id digest, usually a reference to a sensitive variable. */
  readonly passwordHash: string;
}

/** The configuration file as an object (tests parse the text back and compare; the schema checks it). */
export function autheliaConfig(model: AutheliaModel): AutheliaConfig {
  return {
    theme: 'auto',
    default_2fa_method: 'totp',
    server: {
      address: `tcp://:${AUTHELIA_PORT}/`,
      endpoints: {
        // Only the forward-auth endpoint, and only for session cookies: no legacy /api/verify, and no
        // Authorization header path that would accept passwords on every protected hostname.
        authz: { 'forward-auth': { implementation: 'ForwardAuth', authn_strategies: [{ name: 'CookieSession' }] } },
      },
    },
    log: { level: 'info', format: 'json' },
    totp: { issuer: model.totpIssuer, digits: 6, period: 30 },
    authentication_backend: {
      // The users file is Terraform's: a password changed or reset inside the container would be lost on the next
      // deploy, so users get a new hash through their variable instead.
      password_reset: { disable: true },
      password_change: { disable: true },
      file: { path: model.usersFile, watch: false },
    },
    access_control: {
      // Authelia refuses `deny` without rules; with nothing to protect, the strictest policy it accepts.
      default_policy: model.rules.length === 0 && model.defaultPolicy === 'deny' ? 'two_factor' : model.defaultPolicy,
      rules: mergeRules(model.rules),
    },
    session: {
      name: model.cookieName ?? 'authelia_session',
      same_site: 'lax',
      expiration: model.session.expiration,
      inactivity: model.session.inactivity,
      remember_me: model.session.rememberMe,
      cookies: model.cookies.map((cookie) => ({
        domain: cookie.domain,
        authelia_url: `https://${cookie.portal}`,
        ...(cookie.defaultRedirectionUrl ? { default_redirection_url: cookie.defaultRedirectionUrl } : {}),
      })),
    },
    regulation: {
      modes: ['user', 'ip'],
      max_retries: model.regulation?.maxRetries ?? 5,
      find_time: model.regulation?.findTime ?? '10m',
      ban_time: model.regulation?.banTime ?? '15m',
    },
    storage: { local: { path: model.storageFile } },
    notifier: model.notifier.kind === 'smtp'
      ? {
        // A mail relay that is down must not keep every dashboard locked: delivery errors show in the log instead.
        disable_startup_check: true,
        smtp: {
          address: model.notifier.address,
          sender: model.notifier.sender,
          identifier: model.notifier.identifier,
          subject: '[Mambo] {title}',
          tls: { minimum_version: 'TLS1.2' },
        },
      }
      : { filesystem: { filename: model.notifier.filename } },
    // Containers read the host's clock, which the host keeps in sync; the check would need a route out.
    ntp: { disable_startup_check: true },
  };
}

export function renderAutheliaConfig(model: AutheliaModel): string {
  const header = '# Authelia 4.39, rendered by Mambo. Secrets come from the files named by the AUTHELIA_*_FILE variables.\n';
  return header + stringify(autheliaConfig(model), { lineWidth: 0 });
}

/** Rules with the same policy and subjects become one, in the order first seen; a hostname twice is an error. */
function mergeRules(rules: readonly AutheliaRule[]): AutheliaConfig['access_control']['rules'] {
  const seen = new Map<string, SsoPolicy>();
  const merged: { domain: string[]; policy: SsoPolicy; subject?: string[] }[] = [];
  for (const rule of rules) {
    for (const hostname of rule.hostnames) {
      const earlier = seen.get(hostname);
      if (earlier !== undefined && earlier !== rule.policy) {
        throw new Error(`SSO: hostname ${hostname} is protected twice, with ${earlier} and ${rule.policy}; expected one policy per hostname`);
      }
      seen.set(hostname, rule.policy);
    }
    const key = JSON.stringify([rule.policy, rule.subjects ?? []]);
    const existing = merged.find((candidate) => JSON.stringify([candidate.policy, candidate.subject ?? []]) === key);
    const hostnames = rule.hostnames.filter((hostname) => !existing?.domain.includes(hostname));
    if (existing) existing.domain.push(...hostnames);
    else merged.push({ domain: [...hostnames], policy: rule.policy, ...(rule.subjects?.length ? { subject: [...rule.subjects] } : {}) });
  }
  return merged.filter((rule) => rule.domain.length > 0);
}

/**
 * The users file. Hashes are written single-quoted as given (an argon2id digest has no quote); when a
 * hash is a Terraform reference, Terraform puts the value in at apply time.
 */
export function renderAutheliaUsers(users: readonly AutheliaUser[]): string {
  const lines = ['# Authelia users, rendered by Mambo; each hash comes from its sensitive variable.', 'users:'];
  for (const user of users) {
    lines.push(
      `  ${user.name}:`,
      '    disabled: false',
      `    displayname: ${JSON.stringify(user.displayName)}`,
      `    password: '${user.passwordHash}'`,
      `    email: ${JSON.stringify(user.email)}`,
      `    groups: ${JSON.stringify(user.groups)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The `*_FILE` variable and file of each secret Authelia needs, for the container's environment. */
export function autheliaSecretFiles(smtp: boolean): { readonly key: keyof typeof AUTHELIA_SECRET_KEYS; readonly env: string; readonly file: string }[] {
  const keys: (keyof typeof AUTHELIA_SECRET_KEYS)[] = ['session.secret', 'storage.encryption_key', ...(smtp ? ['notifier.smtp.password' as const] : [])];
  return keys.map((key) => ({ key, env: AUTHELIA_SECRET_KEYS[key], file: `${AUTHELIA_SECRETS_DIR}/${key.replace(/\./g, '_')}` }));
}

/**
 * The edge's dynamic configuration defining the forward-auth middleware (`sso@file`). Traefik asks
 * Authelia about every request to a protected router; Authelia answers from the session cookie,
 * redirecting browsers to the portal of the request's cookie domain (`session.cookies[].authelia_url`).
 */
export function renderSsoMiddleware(model: { readonly autheliaAddress: string }): string {
  const config = {
    http: {
      middlewares: {
        sso: {
          forwardAuth: {
            address: `${model.autheliaAddress}${AUTHELIA_FORWARD_AUTH_PATH}`,
            // The entrypoints trust no client's X-Forwarded-* headers, so these are the edge's own.
            trustForwardHeader: true,
            authResponseHeaders: [...SSO_IDENTITY_HEADERS],
          },
        },
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

export interface GrafanaAuthProxyOptions {
  /**
   * Addresses allowed to send the identity headers: the edge's own address on the web network. Any
   * other container on that network could otherwise sign in to Grafana as anyone.
   */
  readonly trustedProxies: readonly string[];
  /** Where Grafana's sign-out sends the browser, e.g. `https://auth.example.com/logout`. */
  readonly signOutUrl?: string;
  /** The organisation role users get on their first sign-in. @default 'Viewer' */
  readonly role?: 'Viewer' | 'Editor' | 'Admin';
}

/**
 * Grafana's environment for signing users in from Authelia's headers (Grafana `[auth.proxy]`):
 * the username from `Remote-User`, name and e-mail synced, accounts created on first sign-in, no
 * login form, and headers accepted only from the edge. Grafana's router must also name the SSO
 * middleware and be protected (AutheliaSso.protect).
 */
export function grafanaAuthProxyEnv(options: GrafanaAuthProxyOptions): Record<string, string> {
  if (options.trustedProxies.length === 0) throw new Error('grafanaAuthProxyEnv: expected at least one trusted proxy address (the edge on the web network)');
  return {
    GF_AUTH_PROXY_ENABLED: 'true',
    GF_AUTH_PROXY_HEADER_NAME: 'Remote-User',
    GF_AUTH_PROXY_HEADER_PROPERTY: 'username',
    GF_AUTH_PROXY_AUTO_SIGN_UP: 'true',
    GF_AUTH_PROXY_HEADERS: 'Name:Remote-Name Email:Remote-Email',
    GF_AUTH_PROXY_WHITELIST: options.trustedProxies.join(', '),
    GF_AUTH_PROXY_ENABLE_LOGIN_TOKEN: 'false',
    GF_AUTH_DISABLE_LOGIN_FORM: 'true',
    GF_USERS_ALLOW_SIGN_UP: 'false',
    GF_USERS_AUTO_ASSIGN_ORG_ROLE: options.role ?? 'Viewer',
    ...(options.signOutUrl ? { GF_AUTH_SIGNOUT_REDIRECT_URL: options.signOutUrl } : {}),
  };
}
