// Single sign-on for an environment: Authelia behind the edge, answering the edge's forward-auth
// middleware for every protected hostname, with one session cookie (and portal) per domain, users
// whose argon2id hashes come from sensitive variables, TOTP as the second factor, SQLite on a
// volume that backups cover, and mail through SMTP or, without SMTP, to a file on that volume.
// Its generated secrets need a RandomProvider in the stack.

import { Lazy, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Network } from '@cdktf/provider-docker/lib/network';
import { Password } from '@cdktf/provider-random/lib/password';

import {
  AUTHELIA_PORT, AutheliaCookie, AutheliaModel, AutheliaRule, AutheliaUser, autheliaConfig, autheliaSecretFiles,
  renderAutheliaConfig, renderAutheliaUsers, renderSsoMiddleware,
} from '../lib/authelia';
import { autheliaConfigSchema, autheliaUsersSchema, checkAutheliaSecrets } from '../lib/authelia-schema';
import { catalogImageRef } from '../lib/images';
import { SSO_MIDDLEWARE, SsoGate } from '../lib/sso';
import { serviceLabels } from '../lib/traefik-labels';
import { DockerHost, RegisteredVolume } from './docker-host';
import { PlatformContainer, escapeTemplateSequences } from './platform-container';
import { TraefikEdge } from './traefik-edge';

export interface AutheliaSsoProps {
  readonly host: DockerHost;
  /** The edge whose web network Authelia joins and whose routers it protects. */
  readonly edge: TraefikEdge;
  /** One session cookie per domain, each with its portal hostname inside it. */
  readonly cookies: readonly AutheliaCookie[];
  /** Who signs in; `passwordHash` is a reference to a sensitive variable (see passwordHashVariable). */
  readonly users: readonly AutheliaUser[];
  /** Authelia's answer for a hostname no rule names. @default 'deny' */
  readonly defaultPolicy?: 'deny' | 'one_factor' | 'two_factor';
  /**
   * Mail for one-time codes. `password` (and `username`) are references to sensitive variables;
   * `egressNetwork` is a network with a route out. @default none: mail is written to NOTIFICATION_FILE
   */
  readonly smtp?: {
    readonly address: string;
    readonly sender: string;
    readonly username?: string;
    readonly password: string;
    readonly egressNetwork: Network;
  };
  /** @default expiration 1h, inactivity 15m, remember me 1M */
  readonly session?: AutheliaModel['session'];
  /** The name authenticator apps show. @default the first cookie domain */
  readonly totpIssuer?: string;
  /**
   * Memory limit. Authelia idles near 30–40 MiB; checking a password allocates the hash's memory cost
   * (64 MiB for `authelia crypto hash generate argon2`'s default), so 128 MiB allows one sign-in at a time
   * with room, and regulation keeps bursts away.
   * @default 128
   */
  readonly memoryMiB?: number;
}

const CONFIG_FILE = '/config/configuration.yml';
const USERS_FILE = '/config/users.yml';
const DATA_DIR = '/data';
/** Without SMTP, one-time codes land here: `docker exec <prefix>-authelia cat /data/notification.txt`. */
export const NOTIFICATION_FILE = `${DATA_DIR}/notification.txt`;
/** The name the edge reaches Authelia by on the web network. */
const ALIAS = 'authelia';
/** Routers of the portal are named `sso-portal-<n>`; fail2ban's filter counts their sign-in failures. */
export const SSO_PORTAL_ROUTER_PREFIX = 'sso-portal';

export class AutheliaSso extends Construct implements SsoGate {
  /**
   * The edge's dynamic configuration that defines the forward-auth middleware, for
   * `TraefikEdge.extraDynamicConfig` (`{ sso: AutheliaSso.middlewareConfig() }`).
   */
  static middlewareConfig(): string {
    return renderSsoMiddleware({ autheliaAddress: `http://${ALIAS}:${AUTHELIA_PORT}` });
  }

  readonly middleware = SSO_MIDDLEWARE;
  readonly container: PlatformContainer;
  /** The SQLite database and notification file; backed up with the container stopped. */
  readonly volume: RegisteredVolume;
  /** Where users sign in, one per cookie domain. */
  readonly portalHostnames: readonly string[];

  private readonly model: Omit<AutheliaModel, 'rules'>;
  private readonly rules: AutheliaRule[] = [];
  private readonly users: readonly AutheliaUser[];
  private readonly secretFileVariables: readonly string[];

  constructor(scope: Construct, id: string, props: AutheliaSsoProps) {
    super(scope, id);
    const { host, edge } = props;
    if (props.cookies.length === 0) throw new Error(`${this.node.path}: no cookie domain; expected at least one { domain, portal }`);
    if (props.users.length === 0) throw new Error(`${this.node.path}: no users; expected at least one (Authelia refuses an empty users file)`);
    for (const cookie of props.cookies) {
      if (!inDomain(cookie.portal, cookie.domain)) {
        throw new Error(`${this.node.path}: portal ${cookie.portal} is outside its cookie domain ${cookie.domain}; expected a hostname under it`);
      }
    }
    this.users = props.users;
    this.portalHostnames = props.cookies.map((cookie) => cookie.portal);

    this.volume = host.addVolume(this, 'authelia', { backup: 'stop', owner: 'platform' });
    this.model = {
      cookies: props.cookies,
      defaultPolicy: props.defaultPolicy ?? 'deny',
      usersFile: USERS_FILE,
      storageFile: `${DATA_DIR}/db.sqlite3`,
      notifier: props.smtp
        ? { kind: 'smtp', address: props.smtp.address, sender: props.smtp.sender, identifier: props.cookies[0].domain }
        : { kind: 'filesystem', filename: NOTIFICATION_FILE },
      totpIssuer: props.totpIssuer ?? props.cookies[0].domain,
      // One name per environment: production's cookie also reaches staging's hosts under its domain.
      cookieName: `${host.namePrefix.replace(/[^A-Za-z0-9]+/g, '_')}_session`,
      session: props.session ?? { expiration: '1h', inactivity: '15m', rememberMe: '1M' },
    };

    // Generated once and kept in Terraform's state. The storage key must never change: Authelia cannot read a
    // database encrypted with another key (the original platform lost its TOTP registrations that way).
    const generated: Record<string, string> = {
      'session.secret': new Password(this, 'session-secret', { length: 64, special: false }).result,
      'storage.encryption_key': new Password(this, 'storage-encryption-key', { length: 64, special: false }).result,
    };
    if (props.smtp) generated['notifier.smtp.password'] = props.smtp.password;
    const secrets = autheliaSecretFiles(props.smtp !== undefined);
    this.secretFileVariables = secrets.map((secret) => secret.env);

    const labels: Record<string, string> = serviceLabels(SSO_PORTAL_ROUTER_PREFIX, AUTHELIA_PORT, edge.webNetwork.name);
    // One router (and certificate) per portal: a domain whose DNS or ACME fails must not take the others down.
    props.cookies.forEach((cookie, index) => Object.assign(labels, edge.routeLabels({
      name: `${SSO_PORTAL_ROUTER_PREFIX}-${index}`,
      hostnames: [cookie.portal],
      port: AUTHELIA_PORT,
      middlewares: ['rate-strict', 'security-headers'],
      service: SSO_PORTAL_ROUTER_PREFIX,
    })));

    this.container = new PlatformContainer(this, 'authelia', {
      host,
      name: `${host.namePrefix}-authelia`,
      image: catalogImageRef('authelia'),
      role: 'platform',
      memoryMiB: props.memoryMiB ?? 128,
      cpus: 0.5,
      // Starting `authelia` directly skips the image's entrypoint chown/su-exec, which needs capabilities this
      // container does not have. Limitation: it runs as uid 0 without capabilities; a non-root uid needs the data
      // volume chowned to it first (an init step), which would lift this.
      command: ['authelia', '--config', CONFIG_FILE],
      env: Object.fromEntries(secrets.map((secret) => [secret.env, secret.file])),
      secretEnv: props.smtp?.username ? { AUTHELIA_NOTIFIER_SMTP_USERNAME: props.smtp.username } : undefined,
      files: {
        // Rendered at synth, after every app and dashboard has asked for protection.
        [CONFIG_FILE]: Lazy.stringValue({ produce: () => escapeTemplateSequences(this.configuration) }),
        [USERS_FILE]: renderAutheliaUsers(props.users),
      },
      secretFiles: Object.fromEntries(secrets.map((secret) => [secret.file, generated[secret.key]])),
      volumes: [{ volume: this.volume, path: DATA_DIR }],
      networks: [
        { network: edge.webNetwork, aliases: [ALIAS] },
        ...(props.smtp ? [{ network: props.smtp.egressNetwork }] : []),
      ],
      labels,
      capabilities: { drop: ['ALL'] },
      // The image's own check: wget on /api/health.
      healthcheck: { command: ['CMD', '/app/healthcheck.sh'], interval: '30s', startPeriod: '30s' },
      hostnames: this.portalHostnames,
    });

    this.node.addValidation({ validate: () => this.problems() });
  }

  /** Requires `policy` on `hostnames`; each must be inside one of the cookie domains. */
  protect(hostnames: readonly string[], policy: 'one_factor' | 'two_factor'): void {
    for (const hostname of hostnames) {
      if (!this.model.cookies.some((cookie) => inDomain(hostname, cookie.domain))) {
        throw new Error(`${this.node.path}: ${hostname} is outside every SSO cookie domain (${this.model.cookies.map((cookie) => cookie.domain).join(', ')}); ` +
          'expected a hostname under one of them, where the session cookie reaches');
      }
    }
    this.rules.push({ hostnames: [...hostnames], policy });
  }

  /** The hostnames protected so far, with their policies. */
  get protectedHostnames(): ReadonlyMap<string, 'one_factor' | 'two_factor'> {
    return new Map(this.rules.flatMap((rule) => rule.hostnames.map((hostname) => [hostname, rule.policy as 'one_factor' | 'two_factor'])));
  }

  /** Authelia's configuration file as it will be written (call after every `protect`). */
  get configuration(): string {
    return renderAutheliaConfig({ ...this.model, rules: this.rules });
  }

  /** What Authelia would refuse at start-up, checked against the documented schema of the pinned version. */
  private problems(): string[] {
    const config = autheliaConfigSchema.safeParse(autheliaConfig({ ...this.model, rules: this.rules }));
    if (!config.success) {
      return config.error.issues.map((issue) => `Authelia configuration: ${issue.path.join('.')}: ${issue.message}`);
    }
    // Hashes are Terraform references here; the variable's validation checks their form at plan time.
    const users = autheliaUsersSchema.safeParse({
      users: Object.fromEntries(this.users.map((user) => [user.name, {
        disabled: false, displayname: user.displayName, email: user.email, groups: [...user.groups], password: PLACEHOLDER_HASH,
      }])),
    });
    const userProblems = users.success ? [] : users.error.issues.map((issue) => `Authelia users: ${issue.path.join('.')}: ${issue.message}`);
    return [...userProblems, ...checkAutheliaSecrets(config.data, this.secretFileVariables).map((problem) => `Authelia secrets: ${problem}`)];
  }
}

const PLACEHOLDER_HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

/**
 * A sensitive variable for one user's argon2id hash (`authelia crypto hash generate argon2`), refused at
 * plan time unless it has the form of an argon2id digest.
 */
export function passwordHashVariable(scope: Construct, variable: string, user: string): TerraformVariable {
  const hash = new TerraformVariable(scope, variable, {
    type: 'string',
    sensitive: true,
    nullable: false,
    description: `argon2id hash of SSO user ${user}'s password (authelia crypto hash generate argon2)`,
  });
  hash.addValidation({
    condition: `\${can(regex("^\\\\$argon2id\\\\$v=19\\\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\\\$[A-Za-z0-9/+]+\\\\$[A-Za-z0-9/+]+$", var.${variable}))}`,
    errorMessage: `The value of ${variable} must be an argon2id digest: $argon2id$v=19$m=…,t=…,p=…$salt$hash.`,
  });
  return hash;
}

function inDomain(hostname: string, domain: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}
