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
  /** Who may reach it. @default 'none' */
  readonly auth?: 'none' | 'basic';
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
  /** Keep all capabilities (some images need to bind low ports or chown). @default false: all dropped but the few images need */
  readonly keepCapabilities?: boolean;
}
