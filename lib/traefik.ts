// Renders Traefik v3's static configuration (entrypoints, ACME, providers, metrics, logs) and its
// dynamic configuration (the platform's shared middlewares and TLS options) from a typed edge model.

import { stringify } from 'yaml';

/** Let's Encrypt endpoints; staging issues untrusted certificates without production rate limits. */
export const ACME_SERVERS = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export interface RateLimitTier {
  /** Requests per second on average, per client IP. */
  readonly average: number;
  /** Requests allowed above the average in a burst. */
  readonly burst: number;
}

/** The middlewares an app may name; each is defined once in the dynamic config (`@file`). */
export const EDGE_MIDDLEWARES = ['rate-global', 'rate-strict', 'rate-api', 'security-headers', 'compression', 'cors-api', 'https-redirect'] as const;
export type EdgeMiddleware = (typeof EDGE_MIDDLEWARES)[number];

/** The middleware chain an app gets when it names none. */
export const DEFAULT_APP_MIDDLEWARES: readonly EdgeMiddleware[] = ['rate-global', 'security-headers', 'compression'];

/** Middleware that asks for the platform's basic-auth users (until SSO replaces it). */
export const BASIC_AUTH_MIDDLEWARE = 'basic-auth';

export interface EdgeModel {
  readonly letsEncrypt: keyof typeof ACME_SERVERS;
  readonly acmeEmail: string;
  /** Where Traefik keeps certificates, inside its ACME volume. */
  readonly acmeStorage: string;
  /** The socket proxy's address; Traefik never sees the Docker socket itself. */
  readonly dockerEndpoint: string;
  /** The Docker network Traefik reaches apps on. */
  readonly webNetwork: string;
  /** Directory the file provider watches for the dynamic configuration. */
  readonly dynamicConfigDir: string;
  /** File with htpasswd lines (bcrypt) for the basic-auth middleware. */
  readonly basicAuthUsersFile: string;
  readonly rateLimits: { readonly global: RateLimitTier; readonly strict: RateLimitTier; readonly api: RateLimitTier };
  /** Origins allowed by the `cors-api` middleware; when empty, any https origin under `domains`. */
  readonly corsOrigins: readonly string[];
  /** The environment's domains. */
  readonly domains: readonly string[];
  /** Port of the internal entrypoint that serves ping and metrics; never published. */
  readonly internalPort: number;
  /** Write the access log to this file (a host directory fail2ban reads) instead of stdout. */
  readonly accessLogFile?: string;
}

export const INTERNAL_ENTRYPOINT = 'internal';

export function renderTraefikStatic(model: EdgeModel): string {
  const config = {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    log: { level: 'INFO', format: 'json' },
    accessLog: {
      ...(model.accessLogFile ? { filePath: model.accessLogFile } : {}),
      format: 'json',
      // Keep the user agent for fail2ban and debugging; drop the rest (cookies, auth headers).
      fields: { defaultMode: 'keep', headers: { defaultMode: 'drop', names: { 'User-Agent': 'keep' } } },
    },
    entryPoints: {
      web: {
        address: ':80',
        http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } } },
      },
      websecure: { address: ':443', http: { tls: { certResolver: 'le' } } },
      [INTERNAL_ENTRYPOINT]: { address: `:${model.internalPort}` },
    },
    ping: { entryPoint: INTERNAL_ENTRYPOINT },
    api: { dashboard: true },
    metrics: {
      prometheus: { entryPoint: INTERNAL_ENTRYPOINT, addEntryPointsLabels: true, addRoutersLabels: true, addServicesLabels: true },
    },
    providers: {
      docker: {
        endpoint: model.dockerEndpoint,
        exposedByDefault: false,
        network: model.webNetwork,
        watch: true,
        // A container that defines a service but no router gets no reachable default route.
        defaultRule: 'Host(`{{ normalize .Name }}.invalid`)',
      },
      file: { directory: model.dynamicConfigDir, watch: true },
    },
    certificatesResolvers: {
      le: {
        acme: {
          email: model.acmeEmail,
          storage: model.acmeStorage,
          caServer: ACME_SERVERS[model.letsEncrypt],
          httpChallenge: { entryPoint: 'web' },
        },
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}

export function renderTraefikDynamic(model: EdgeModel): string {
  const rateLimit = (tier: RateLimitTier) => ({ rateLimit: { average: tier.average, burst: tier.burst, period: '1s' } });

  const middlewares: Record<EdgeMiddleware | typeof BASIC_AUTH_MIDDLEWARE, object> = {
    'rate-global': rateLimit(model.rateLimits.global),
    'rate-strict': rateLimit(model.rateLimits.strict),
    'rate-api': rateLimit(model.rateLimits.api),
    'security-headers': {
      headers: {
        stsSeconds: 31536000,
        stsIncludeSubdomains: true,
        stsPreload: true,
        forceSTSHeader: true,
        contentTypeNosniff: true,
        frameDeny: true,
        browserXssFilter: true,
        referrerPolicy: 'strict-origin-when-cross-origin',
        permissionsPolicy: 'camera=(), microphone=(), geolocation=()',
        customResponseHeaders: { 'X-Powered-By': '', Server: '' },
      },
    },
    compression: { compress: { minResponseBodyBytes: 1024 } },
    'cors-api': {
      headers: {
        accessControlAllowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        accessControlAllowHeaders: ['Authorization', 'Content-Type'],
        // Derived from the domains, not the apps, so adding an app never changes (and replaces) the edge.
        ...(model.corsOrigins.length > 0
          ? { accessControlAllowOriginList: [...model.corsOrigins] }
          : { accessControlAllowOriginListRegex: model.domains.map((domain) => `^https://([a-z0-9-]+\\.)*${domain.replace(/\./g, '\\.')}$`) }),
        accessControlMaxAge: 600,
        addVaryHeader: true,
      },
    },
    'https-redirect': { redirectScheme: { scheme: 'https', permanent: true } },
    [BASIC_AUTH_MIDDLEWARE]: { basicAuth: { usersFile: model.basicAuthUsersFile, removeHeader: true } },
  };

  const config = {
    http: { middlewares },
    tls: {
      options: {
        // `default` applies to every router; strict SNI refuses clients that name no known host.
        default: {
          minVersion: 'VersionTLS12',
          sniStrict: true,
          cipherSuites: [
            'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
            'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
            'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
            'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
            'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
            'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
          ],
        },
      },
    },
  };
  return stringify(config, { lineWidth: 0 });
}
