// What an app is, independent of where it runs: the shape of the definitions in apps/ and of an
// app entry in platform.yaml once merged with its definition.

import { EdgeMiddleware } from './traefik';

export interface HealthcheckSpec {
  /** Command run inside the container, exec form, e.g. ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1/']. */
  readonly command: readonly string[];
  /** @default '30s' */
  readonly interval?: string;
  /** @default '5s' */
  readonly timeout?: string;
  /** @default 3 */
  readonly retries?: number;
  /** @default '20s' */
  readonly startPeriod?: string;
}

/**
 * Who may reach an app: anyone (`none`), the platform's htpasswd users (`basic`), users signed in
 * through the SSO portal with a password (`sso`) or with a password and a TOTP code (`sso-2fa`).
 */
export const APP_AUTH_MODES = ['none', 'basic', 'sso', 'sso-2fa'] as const;
export type AppAuth = (typeof APP_AUTH_MODES)[number];

/** How a volume is copied consistently by backups. */
export type VolumeBackupPolicy = 'stop' | 'snapshot' | 'dump' | 'none';

export interface CompanionDefinition {
  /** `postgres` gets a generated password, a data volume and pg_dump backups; `generic` is any image. */
  readonly kind: 'postgres' | 'generic';
  /** @default the catalog's postgres for kind postgres */
  readonly image?: string;
  readonly memoryMiB: number;
  /** @default 0.5 */
  readonly cpus?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Named volumes: volume name → path in the container. */
  readonly volumes?: Readonly<Record<string, string>>;
  readonly healthcheck?: HealthcheckSpec;
  /** Companions are never exposed; asking for it is an error. */
  readonly public?: false;
  /**
   * For postgres: the app's environment variable that receives the generated password (the app
   * also gets DATABASE_URL). @default 'DATABASE_PASSWORD'
   */
  readonly passwordEnv?: string;
}

export type RestartPolicy = 'no' | 'on-failure' | 'always' | 'unless-stopped';

/** The two colours of a blue/green app. */
export type Colour = 'blue' | 'green';

/**
 * Blue/green releases: two containers of the app, the edge routing to the `live` one. A release puts
 * the new image on the idle colour and makes it live; the old colour keeps running for `keepIdleFor`
 * (for a rollback), then stops.
 */
export interface BlueGreenRelease {
  readonly strategy: 'blue-green';
  readonly live: Colour;
  /** Image of each colour; a colour without one does not run. The live colour must have one. */
  readonly blue?: string;
  readonly green?: string;
  /** How long the previous colour keeps running after a switch. @default '1h' */
  readonly keepIdleFor?: string;
}

export interface AppDefinition {
  /** One line on what the app is, for the platform report. */
  readonly description: string;
  /** Pinned image reference; `latest` and untagged references are refused. */
  readonly image: string;
  /** Port the app listens on inside its container. */
  readonly port: number;
  /** @default 256 */
  readonly memoryMiB?: number;
  /** @default 0.5 */
  readonly cpus?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Names of secret environment variables; each is fed from a sensitive Terraform variable. */
  readonly secrets?: readonly string[];
  readonly healthcheck?: HealthcheckSpec;
  /** @default DEFAULT_APP_MIDDLEWARES */
  readonly middlewares?: readonly EdgeMiddleware[];
  /** Who may reach it: nobody asked, basic auth, or SSO with one or two factors. @default 'none' */
  readonly auth?: AppAuth;
  /** Scrape the app's Prometheus metrics. @default off */
  readonly metrics?: { readonly path: string; readonly port?: number };
  /** Named volumes: volume name → path in the container. Backups pick them up. */
  readonly volumes?: Readonly<Record<string, string>>;
  /** Files written into the container, path → content (a change replaces the container). */
  readonly files?: Readonly<Record<string, string>>;
  /** Services on the app's own network, e.g. its database. */
  readonly companions?: Readonly<Record<string, CompanionDefinition>>;
  /** The app's network has no route out of the host. @default false */
  readonly internal?: boolean;
  /** Run as this user; @default the image's own */
  readonly user?: string;
  /** Release strategy. @default replace the container in place */
  readonly release?: BlueGreenRelease;
  /** A critical app is never updated behind Terraform's back (Watchtower leaves it alone). @default true */
  readonly critical?: boolean;
  /** Watchtower replaces the container when the image behind its tag changes; needs `critical: false`. @default false */
  readonly autoUpdate?: boolean;
  /** `image` is a path in the environment's private registry: `shop:1.4.0` → registry.<domain>/shop:1.4.0. @default false */
  readonly privateRegistry?: boolean;
  /** Keep all capabilities (some images need to bind low ports or chown). @default false: all dropped but the few images need */
  readonly keepCapabilities?: boolean;
  /** Docker restart policy. @default 'unless-stopped' */
  readonly restart?: RestartPolicy;
}
