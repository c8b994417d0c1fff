// Single sign-on as the platform sees it, independent of Authelia's file formats: who signs in, which
// hostnames need which factors, where the portal is, and which sensitive variables feed the secrets.

import * as ipaddr from 'ipaddr.js';

import { AppAuth } from './app-definition';
import { SsoConfig } from './config-schema';

/** Authelia's authorization levels; a hostname behind SSO needs one of the last two. */
export type SsoPolicy = 'bypass' | 'deny' | 'one_factor' | 'two_factor';

/** The forward-auth middleware every SSO-protected router names, defined in the edge's dynamic config. */
export const SSO_MIDDLEWARE = 'sso@file';

/** The service name the portal's hostnames are served under in an environment's hostname list. */
export const SSO_PORTAL_SERVICE = 'platform.auth';

export interface SsoUserSpec {
  /** Login name. */
  readonly name: string;
  readonly displayName: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** The sensitive Terraform variable holding the user's argon2id hash. */
  readonly passwordHashVariable: string;
}

export interface SsoCookieSpec {
  /** The cookie's domain: one of the environment's domains. */
  readonly domain: string;
  /** Where users sign in for hostnames under `domain`, e.g. `auth.example.com`. */
  readonly portal: string;
}

export interface SsoSpec {
  readonly users: readonly SsoUserSpec[];
  /** How the dashboards (Traefik, Grafana, backoffice) are protected. */
  readonly dashboards: Exclude<AppAuth, 'none'>;
  readonly defaultPolicy: 'deny' | 'one_factor' | 'two_factor';
  readonly smtp?: {
    readonly address: string;
    readonly sender: string;
    readonly usernameVariable?: string;
    readonly passwordVariable: string;
  };
  readonly session: { readonly expiration: string; readonly inactivity: string; readonly rememberMe: string };
  /** One session cookie per environment domain, each with its portal inside it. */
  readonly cookies: readonly SsoCookieSpec[];
}

/** The Terraform variable a `TF_VAR_<name>` environment variable feeds. */
export function variableOf(tfVarEnv: string): string {
  return tfVarEnv.slice('TF_VAR_'.length);
}

/** The sensitive variable that holds a user's hash unless the config names another. */
export function defaultPasswordHashVariable(user: string): string {
  return `sso_user_${user.replace(/[.-]/g, '_')}_password_hash`;
}

/**
 * `cookieDomains` are the domains the environment's hostnames live under (for a staging environment,
 * `staging.example.com`), so two environments never share a session. `variablePrefix` prefixes the
 * default variable names (`staging_`), so one TF_VAR_ never feeds two environments.
 */
export function resolveSso(config: SsoConfig, portalLabel: string, cookieDomains: readonly string[], variablePrefix = ''): SsoSpec {
  return {
    users: Object.entries(config.users).map(([name, user]) => ({
      name,
      displayName: user.displayName,
      email: user.email,
      groups: user.groups,
      passwordHashVariable: user.passwordHashEnv ? variableOf(user.passwordHashEnv) : `${variablePrefix}${defaultPasswordHashVariable(name)}`,
    })),
    dashboards: config.dashboards,
    defaultPolicy: config.defaultPolicy,
    smtp: config.smtp && {
      address: config.smtp.address,
      sender: config.smtp.sender,
      usernameVariable: config.smtp.usernameEnv && variableOf(config.smtp.usernameEnv),
      passwordVariable: config.smtp.passwordEnv ? variableOf(config.smtp.passwordEnv) : `${variablePrefix}sso_smtp_password`,
    },
    session: config.session,
    cookies: cookieDomains.map((domain) => ({ domain, portal: `${portalLabel}.${domain}` })),
  };
}

/** The Authelia policy an app's `auth` asks for, or undefined when the app is not behind SSO. */
export function ssoPolicyOf(auth: AppAuth): 'one_factor' | 'two_factor' | undefined {
  if (auth === 'sso') return 'one_factor';
  if (auth === 'sso-2fa') return 'two_factor';
  return undefined;
}

/** What an app or dashboard needs from the environment's SSO: the middleware to name, and a rule for its hostnames. */
export interface SsoGate {
  /** The forward-auth middleware's full name, first in the router's chain. */
  readonly middleware: string;
  /** Requires `policy` for `hostnames` (Authelia access control rules). */
  protect(hostnames: readonly string[], policy: 'one_factor' | 'two_factor'): void;
}

/**
 * The edge's fixed address on the web network: the subnet's last host address, away from the low
 * addresses Docker hands out first. Grafana's auth proxy trusts identity headers from it alone.
 */
export function pinnedEdgeAddress(webSubnet: string): string {
  const [address, prefix] = ipaddr.parseCIDR(webSubnet);
  if (address.kind() !== 'ipv4' || prefix > 30) throw new Error(`web subnet ${webSubnet}: expected an IPv4 subnet of /30 or larger`);
  const bytes = (address as ipaddr.IPv4).toByteArray();
  const value = ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3];
  const last = ((value >>> 0) | (2 ** (32 - prefix) - 1)) - 1;
  return [24, 16, 8, 0].map((shift) => (last >>> shift) & 255).join('.');
}
