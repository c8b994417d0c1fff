// Renders the host files that ban addresses failing authentication at the edge: a fail2ban filter
// over Traefik's JSON access log, its jail (banning in Docker's DOCKER-USER chain, since published
// ports bypass INPUT), a systemd ordering so fail2ban starts after Docker, and log rotation.

/** Where Traefik writes its access log: a host directory mounted into the edge, read by fail2ban. */
export const TRAEFIK_ACCESS_LOG_DIR = '/var/log/traefik';
export const TRAEFIK_ACCESS_LOG = `${TRAEFIK_ACCESS_LOG_DIR}/access.log`;

export const TRAEFIK_AUTH_JAIL = 'traefik-auth';

export interface TraefikAuthJailModel {
  /** The access log on the host. @default TRAEFIK_ACCESS_LOG */
  readonly logPath?: string;
  /** Addresses and CIDRs never banned: loopback is always in; add the Docker pool and operators' networks. */
  readonly ignore?: readonly string[];
  /** Failures within `findTime` that ban an address. @default 10 */
  readonly maxRetry?: number;
  /** @default '10m' */
  readonly findTime?: string;
  /** @default '1h' */
  readonly banTime?: string;
  /** Routers serving the SSO portal (their names start with this), whose sign-in failures count too. @default 'sso-portal' */
  readonly portalRouterPrefix?: string;
}

export interface HostFile {
  readonly path: string;
  readonly content: string;
  /** Octal permissions. */
  readonly permissions: string;
}

/**
 * The filter. Traefik writes one JSON object per request with its keys sorted; a value a client
 * controls (path, user agent) is JSON-escaped, so `,"Key":` preceded by `{` or `,` can only be a real
 * key, never text injected to get someone else banned. Two kinds of failure count:
 *   - a 401 answered by the edge itself (`OriginStatus` 0: basic auth or forward-auth refused the request
 *     before any service saw it);
 *   - a 401 from the SSO portal's sign-in endpoints (a wrong password or TOTP code).
 * An app's own 401s (its API asking for a token) do not count.
 */
export function renderTraefikAuthFilter(model: Pick<TraefikAuthJailModel, 'portalRouterPrefix'> = {}): string {
  const portal = (model.portalRouterPrefix ?? 'sso-portal').replace(/[^A-Za-z0-9-]/g, '');
  const status401 = '(?=.*[{,]"DownstreamStatus":401[,}])';
  const client = '.*[{,]"ClientHost":"<ADDR>"';
  return [
    '# Mambo: authentication failures at the Traefik edge, from its JSON access log.',
    '[Definition]',
    'failregex = ^' + status401 + '(?=.*[{,]"OriginStatus":0[,}])' + client,
    '            ^' + status401 + `(?=.*[{,]"RouterName":"${portal}[^"]*")(?=.*[{,]"RequestPath":"/api/(firstfactor|secondfactor)[^"]*")` + client,
    'ignoreregex =',
    // Traefik stamps each entry with `time` in RFC 3339; the request's own fields cannot forge the key.
    'datepattern = "time":"%%Y-%%m-%%dT%%H:%%M:%%S%%z"',
    '',
  ].join('\n');
}

// Limitation: an IPv6 client reaches the published ports through Docker's userland proxy, so the edge logs the
// Docker gateway's address instead of the client's (in the ignored pool: never banned). Docker's own IPv6 NAT
// (`ip6tables` with IPv6 networks in the daemon) would keep the client's address and lift this.
export function renderTraefikAuthJail(model: TraefikAuthJailModel = {}): string {
  const ignore = ['127.0.0.1/8', '::1', ...(model.ignore ?? [])];
  return [
    '# Mambo: ban addresses that keep failing authentication at the edge.',
    `[${TRAEFIK_AUTH_JAIL}]`,
    'enabled   = true',
    `filter    = ${TRAEFIK_AUTH_JAIL}`,
    'backend   = auto',
    `logpath   = ${model.logPath ?? TRAEFIK_ACCESS_LOG}`,
    'port      = http,https',
    // Docker publishes 80/443 through DNAT: packets to the edge cross FORWARD, never INPUT, so a ban in
    // INPUT would block nothing. DOCKER-USER is the chain Docker leaves to the administrator.
    'chain     = DOCKER-USER',
    `maxretry  = ${model.maxRetry ?? 10}`,
    `findtime  = ${model.findTime ?? '10m'}`,
    `bantime   = ${model.banTime ?? '1h'}`,
    `ignoreip  = ${ignore.join(' ')}`,
    '',
  ].join('\n');
}

/** fail2ban inserts into DOCKER-USER, which exists once Docker has started. */
export function renderFail2banAfterDocker(): string {
  return ['# Mambo: the traefik-auth jail bans in DOCKER-USER, which Docker creates.', '[Unit]', 'After=docker.service', 'Wants=docker.service', ''].join('\n');
}

/** Daily rotation; copytruncate because Traefik keeps the file open (fail2ban follows the truncation). */
export function renderTraefikLogrotate(logPath: string = TRAEFIK_ACCESS_LOG): string {
  return [
    `${logPath} {`,
    '    daily',
    '    rotate 7',
    '    maxsize 100M',
    '    missingok',
    '    notifempty',
    '    compress',
    '    delaycompress',
    '    copytruncate',
    '}',
    '',
  ].join('\n');
}

/** Everything the edge's jail needs on the host, with the paths fail2ban, systemd and logrotate read. */
export function traefikAuthHostFiles(model: TraefikAuthJailModel = {}): HostFile[] {
  return [
    { path: `/etc/fail2ban/filter.d/${TRAEFIK_AUTH_JAIL}.conf`, content: renderTraefikAuthFilter(model), permissions: '0644' },
    { path: `/etc/fail2ban/jail.d/${TRAEFIK_AUTH_JAIL}.local`, content: renderTraefikAuthJail(model), permissions: '0644' },
    { path: '/etc/systemd/system/fail2ban.service.d/10-after-docker.conf', content: renderFail2banAfterDocker(), permissions: '0644' },
    { path: '/etc/logrotate.d/traefik', content: renderTraefikLogrotate(model.logPath), permissions: '0644' },
  ];
}
