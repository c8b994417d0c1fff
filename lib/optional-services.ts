// The optional services an environment may switch on (each off by default): Watchtower for apps marked
// non-critical, Portainer behind the edge and SSO, a private registry, and uptime probes from outside the
// host. Their part of platform.yaml (`services`), and what it resolves to once the rest of the
// environment is known: hostnames served, variables named, the apps each service touches.

import { z } from 'zod';

import { AppAuth } from './app-definition';
import { durationSeconds } from './duration';
import { ScriptModelError, validateCronSchedule } from './scripts/validate';
import type { ConfigFailure, ServedHostname } from './spec';
import type { SsoSpec } from './sso';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const FULL_NAME = /^(?=.{1,253}$)((?!-)[a-z0-9-]{1,63}(?<!-)\.)+[a-z][a-z0-9-]*$/;
const hostname = z.string().refine((value) => LABEL.test(value) || FULL_NAME.test(value),
  'expected a subdomain label (registry) or a full domain name (registry.example.com)');
const tfVarEnv = z.string().regex(/^TF_VAR_[a-z][a-z0-9_]*$/, 'expected TF_VAR_<name> with a lower-case name (a sensitive Terraform variable)');
const duration = z.string().regex(/^\d+(s|m|h)$/, 'expected a duration such as 30s, 5m or 1h');
const cronSchedule = z.string().superRefine((value, context) => {
  try {
    validateCronSchedule(value);
  } catch (error) {
    if (!(error instanceof ScriptModelError)) throw error;
    context.addIssue({ code: 'custom', message: 'expected a cron schedule with five fields, e.g. "30 4 * * 0", or @daily/@weekly' });
  }
});
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'expected host:port, such as 127.0.0.1:9115');

/** Where Watchtower and the uptime probes publish. */
const ntfySchema = z.strictObject({
  /** Base URL of the ntfy server (v2.10 or later for the uptime alerts' templates). */
  server: z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?\/?$/, 'expected a server base URL such as https://ntfy.sh').default('https://ntfy.sh'),
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected 1–64 letters, digits, - or _'),
  /** An access token for a protected topic, from a sensitive variable. @default none: a topic anyone may write to */
  tokenEnv: tfVarEnv.optional(),
});

export const servicesSchema = z.strictObject({
  /** ntfy for Watchtower's update reports and the uptime alerts. Required by either. */
  ntfy: ntfySchema.optional(),
  /** Image updates for apps marked `autoUpdate` (non-critical only), reported to ntfy. */
  watchtower: z.strictObject({
    enabled: z.boolean().default(false),
    /** How often registries are asked for a newer image behind each app's tag. */
    interval: duration.default('6h'),
  }).prefault({}),
  /** Portainer CE, behind the edge and SSO, reading Docker through a socket proxy of its own. */
  portainer: z.strictObject({
    enabled: z.boolean().default(false),
    hostname: hostname.default('portainer'),
    /**
     * `read-only`: containers, images, networks, volumes, logs and stats, no change (the proxy refuses every
     * write). `manage`: also start, stop, create and remove, which is root on the host for whoever signs in.
     */
    access: z.enum(['read-only', 'manage']).default('read-only'),
    /** @default sso-2fa with an `sso` section, else basic */
    auth: z.enum(['basic', 'sso', 'sso-2fa']).optional(),
  }).prefault({}),
  /** A private image registry (CNCF distribution) on registry.<domain>, behind the edge. */
  registry: z.strictObject({
    enabled: z.boolean().default(false),
    hostname: hostname.default('registry'),
    /** htpasswd lines (bcrypt: `htpasswd -nbB <user> <password>`) of the users who push and pull. @default TF_VAR_<prefix>registry_htpasswd */
    htpasswdEnv: tfVarEnv.optional(),
    /** The user the hosts pull `privateRegistry` apps' images as (one of the htpasswd users). */
    pullUser: z.string().regex(/^[a-z][a-z0-9._-]{0,31}$/, 'expected a lower-case user name').default('platform'),
    /** That user's password, for the docker provider. @default TF_VAR_<prefix>registry_pull_password */
    pullPasswordEnv: tfVarEnv.optional(),
    /** When unreferenced layers are removed (the registry stops for the minute it takes); false for never. */
    garbageCollect: z.union([cronSchedule, z.literal(false)]).default('30 4 * * 0'),
  }).prefault({}),
  /** Probes of every public URL from another machine: blackbox exporter, Prometheus rules and Alertmanager files. */
  uptime: z.strictObject({
    enabled: z.boolean().default(false),
    /** Where the prober's Prometheus reaches its blackbox exporter. */
    exporter: hostPort.default('127.0.0.1:9115'),
    /** Where the prober's Prometheus reaches its Alertmanager. */
    alertmanager: hostPort.default('127.0.0.1:9093'),
    /** How often each URL is probed. */
    interval: duration.default('30s'),
    /** The user the prober signs in as on URLs behind the edge's basic auth (add its htpasswd line). */
    basicAuthUser: z.string().regex(/^[a-z][a-z0-9._-]{0,31}$/, 'expected a lower-case user name').default('uptime'),
  }).prefault({}),
}).prefault({});

export type ServicesConfig = z.output<typeof servicesSchema>;

/** An ntfy topic, with the sensitive variable that holds its token when it has one. */
export interface NtfySpec {
  readonly server: string;
  readonly topic: string;
  readonly tokenVariable?: string;
}

export interface WatchtowerSpec {
  readonly intervalSeconds: number;
  /** The apps whose containers Watchtower may update: non-critical, `autoUpdate`. */
  readonly apps: readonly string[];
  readonly ntfy: NtfySpec;
}

export interface PortainerSpec {
  readonly hostname: string;
  readonly access: 'read-only' | 'manage';
  readonly auth: Exclude<AppAuth, 'none'>;
}

export interface RegistrySpec {
  /** `registry.example.com`: what image references start with. */
  readonly hostname: string;
  readonly htpasswdVariable: string;
  readonly pullUser: string;
  readonly pullPasswordVariable: string;
  /** A cron schedule, or false. */
  readonly garbageCollect: string | false;
}

/** How a probe signs in: not at all, or with the edge's basic auth (its password in a file on the prober). */
export type ProbeAuth = 'none' | 'basic';

export interface UptimeTarget {
  readonly url: string;
  /** What serves it, e.g. `app.reader`. */
  readonly service: string;
  readonly auth: ProbeAuth;
}

export interface UptimeSpec {
  readonly exporter: string;
  readonly alertmanager: string;
  readonly interval: string;
  readonly basicAuthUser: string;
  /** Every public URL of the environment, from its hostnames. */
  readonly targets: readonly UptimeTarget[];
  /** Let's Encrypt staging certificates are not trusted: the probes check them but do not verify the chain. */
  readonly verifyCertificates: boolean;
  readonly ntfy: NtfySpec;
}

export interface ServicesSpec {
  readonly watchtower?: WatchtowerSpec;
  readonly portainer?: PortainerSpec;
  readonly registry?: RegistrySpec;
  readonly uptime?: UptimeSpec;
}

/**
 * Docker networks the services need besides the platform's own, by their key in the network plan (a name no app
 * can take): Portainer and its socket proxy share one that nothing else joins.
 */
export function serviceNetworks(services: ServicesConfig): string[] {
  return services.portainer.enabled ? [PORTAINER_NETWORK] : [];
}

export const PORTAINER_NETWORK = 'service:portainer';

/** The service name under which each optional service's hostname is served. */
export const SERVICE_HOSTNAMES = { portainer: 'platform.portainer', registry: 'platform.registry' } as const;

type At = (...rest: PropertyKey[]) => PropertyKey[];
type Serve = (label: string, service: string, host: string, configPath: PropertyKey[]) => void;

/**
 * Serves the services' hostnames (so DNS records are made and clashes are config errors) and names their
 * variables. Apps are resolved after this, so they can take images from the registry.
 */
export function serveServices(
  services: ServicesConfig, context: { readonly variablePrefix: string; readonly primaryHost: string; readonly hasSso: boolean },
  serve: Serve, hostnames: () => readonly ServedHostname[], at: At, fail: ConfigFailure,
): Omit<ServicesSpec, 'watchtower' | 'uptime'> {
  const { variablePrefix, primaryHost } = context;
  const fqdnOf = (service: string) => hostnames().find((hostname) => hostname.service === service)!.fqdn;

  let registry: RegistrySpec | undefined;
  if (services.registry.enabled) {
    serve(services.registry.hostname, SERVICE_HOSTNAMES.registry, primaryHost, at('services', 'registry', 'hostname'));
    registry = {
      hostname: fqdnOf(SERVICE_HOSTNAMES.registry),
      htpasswdVariable: variableOf(services.registry.htpasswdEnv) ?? `${variablePrefix}registry_htpasswd`,
      pullUser: services.registry.pullUser,
      pullPasswordVariable: variableOf(services.registry.pullPasswordEnv) ?? `${variablePrefix}registry_pull_password`,
      garbageCollect: services.registry.garbageCollect,
    };
  }

  let portainer: PortainerSpec | undefined;
  if (services.portainer.enabled) {
    serve(services.portainer.hostname, SERVICE_HOSTNAMES.portainer, primaryHost, at('services', 'portainer', 'hostname'));
    const auth = services.portainer.auth ?? (context.hasSso ? 'sso-2fa' : 'basic');
    if (auth !== 'basic' && !context.hasSso) {
      throw fail(at('services', 'portainer', 'auth'), `"${auth}" without an \`sso\` section in the environment`, 'expected `sso` first, or auth basic');
    }
    portainer = { hostname: fqdnOf(SERVICE_HOSTNAMES.portainer), access: services.portainer.access, auth };
  }
  return { registry, portainer };
}

/** What an app asks of the services; checked against what the environment switched on. */
export interface AppServiceFlags {
  readonly critical?: boolean;
  readonly autoUpdate?: boolean;
  readonly privateRegistry?: boolean;
  readonly image?: string;
  readonly release?: { readonly blue?: string; readonly green?: string };
}

/**
 * An app's update policy: critical apps (the default) are never touched by Watchtower; `autoUpdate` asks for
 * it and is an error on a critical app, without Watchtower, or on a blue/green app (Watchtower would replace
 * a colour in place, behind the release's back).
 */
export function appUpdatePolicy(
  app: AppServiceFlags, services: ServicesConfig, where: At, fail: ConfigFailure,
): { readonly critical: boolean; readonly autoUpdate: boolean } {
  const critical = app.critical ?? true;
  const autoUpdate = app.autoUpdate ?? false;
  if (autoUpdate && critical) {
    throw fail(where('autoUpdate'), 'autoUpdate on a critical app', 'expected `critical: false` first: Watchtower only updates apps marked non-critical');
  }
  if (autoUpdate && !services.watchtower.enabled) {
    throw fail(where('autoUpdate'), 'autoUpdate with Watchtower off', 'expected services.watchtower.enabled: true in the environment');
  }
  if (autoUpdate && app.release) {
    throw fail(where('autoUpdate'), 'autoUpdate on a blue/green app', 'expected one or the other: releases move images between colours, Watchtower would replace one in place');
  }
  return { critical, autoUpdate };
}

/**
 * For `privateRegistry` apps, `image` (and each colour's image) is a path in the environment's registry:
 * `shop:1.4.0` becomes `registry.example.com/shop:1.4.0`.
 */
export function withPrivateRegistry<T extends AppServiceFlags>(app: T, registry: RegistrySpec | undefined, where: At, fail: ConfigFailure): T {
  if (!app.privateRegistry) return app;
  if (!registry) throw fail(where('privateRegistry'), 'privateRegistry with the registry off', 'expected services.registry.enabled: true in the environment');

  const inRegistry = (image: string | undefined, path: PropertyKey[]) => {
    if (image === undefined) return undefined;
    const first = image.split('/')[0];
    if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
      throw fail(path, `"${image}", which names a registry of its own`, `expected a path inside ${registry.hostname}, such as shop:1.4.0`);
    }
    return `${registry.hostname}/${image}`;
  };
  const release = app.release && {
    ...app.release,
    blue: inRegistry(app.release.blue, where('release', 'blue')),
    green: inRegistry(app.release.green, where('release', 'green')),
  };
  return { ...app, image: inRegistry(app.image, where('image')), ...(release ? { release } : {}) };
}

/** Watchtower and the uptime probes, once the apps and every hostname are known. */
export function resolveWatchedServices(
  services: ServicesConfig, context: {
    readonly apps: readonly { readonly name: string; readonly autoUpdate: boolean; readonly auth: AppAuth }[];
    readonly hostnames: readonly ServedHostname[];
    readonly sso?: SsoSpec;
    readonly portainer?: PortainerSpec;
    readonly letsEncrypt: 'production' | 'staging';
  },
  at: At, fail: ConfigFailure,
): Pick<ServicesSpec, 'watchtower' | 'uptime'> {
  const ntfy = services.ntfy && { server: services.ntfy.server.replace(/\/+$/, ''), topic: services.ntfy.topic, tokenVariable: variableOf(services.ntfy.tokenEnv) };

  let watchtower: WatchtowerSpec | undefined;
  if (services.watchtower.enabled) {
    if (!ntfy) throw fail(at('services', 'ntfy'), 'Watchtower without an ntfy topic', 'expected services.ntfy (server, topic): Watchtower reports each update there');
    watchtower = {
      intervalSeconds: durationSeconds(services.watchtower.interval, 'services.watchtower.interval'),
      apps: context.apps.filter((app) => app.autoUpdate).map((app) => app.name),
      ntfy,
    };
  }

  let uptime: UptimeSpec | undefined;
  if (services.uptime.enabled) {
    if (!ntfy) throw fail(at('services', 'ntfy'), 'uptime probes without an ntfy topic', 'expected services.ntfy (server, topic): the probes alert there');
    uptime = {
      exporter: services.uptime.exporter,
      alertmanager: services.uptime.alertmanager,
      interval: services.uptime.interval,
      basicAuthUser: services.uptime.basicAuthUser,
      targets: uptimeTargets(context.hostnames, context),
      verifyCertificates: context.letsEncrypt === 'production',
      ntfy,
    };
  }
  return { watchtower, uptime };
}

/**
 * Every hostname the environment serves over HTTPS, except the hosts' own names (reverse DNS only: no
 * router answers them). A URL behind the edge's basic auth is probed signed in, because the edge's 401s
 * count as failed logins for fail2ban and would get the prober banned.
 */
export function uptimeTargets(
  hostnames: readonly ServedHostname[],
  context: { readonly apps: readonly { readonly name: string; readonly auth: AppAuth }[]; readonly sso?: SsoSpec; readonly portainer?: PortainerSpec },
): UptimeTarget[] {
  const dashboards: AppAuth = context.sso ? context.sso.dashboards : 'basic';
  const authOf = (service: string): AppAuth => {
    if (service.startsWith('app.')) return context.apps.find((app) => `app.${app.name}` === service)?.auth ?? 'none';
    if (service === 'platform.traefik' || service === 'platform.backoffice') return dashboards;
    if (service === 'platform.grafana') return context.sso ? context.sso.dashboards : 'none';
    if (service === SERVICE_HOSTNAMES.portainer) return context.portainer?.auth ?? 'basic';
    return 'none';
  };
  return hostnames
    .filter((hostname) => !hostname.service.startsWith('host.'))
    .map((hostname) => ({ url: `https://${hostname.fqdn}/`, service: hostname.service, auth: authOf(hostname.service) === 'basic' ? 'basic' : 'none' }));
}

function variableOf(tfVarEnv: string | undefined): string | undefined {
  return tfVarEnv?.slice('TF_VAR_'.length);
}
