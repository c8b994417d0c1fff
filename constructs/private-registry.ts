// A private image registry (CNCF distribution v3) behind the edge on its own hostname: htpasswd (bcrypt)
// users from a sensitive variable, delivered as an uploaded file; layers on a volume that backups cover;
// garbage collection on a schedule, installed on the host by a null_resource whose trigger is the hash of
// what it installs. Hosts pull app images from it with the docker provider's registry auth.
//
// Limitation: an app whose image lives here cannot be deployed in the same apply that first creates the
// registry (nothing has been pushed yet): deploy the registry, push from CI, then add the app.

import { createHash } from 'node:crypto';

import { Construct } from 'constructs';
import { Resource as NullResource } from '@cdktf/provider-null/lib/resource';
import { Password } from '@cdktf/provider-random/lib/password';

import { catalogImageRef } from '../lib/images';
import {
  REGISTRY_CONFIG_FILE, REGISTRY_DATA_DIR, REGISTRY_DEBUG_PORT, REGISTRY_GC_CRON_FILE, REGISTRY_GC_SCRIPT, REGISTRY_HTPASSWD_FILE,
  REGISTRY_PORT, renderRegistryConfig, renderRegistryGcCron, renderRegistryGcScript,
} from '../lib/private-registry';
import { BACKUP_DEFAULTS } from '../lib/scripts/model';
import { DockerHost, RegisteredVolume } from './docker-host';
import { PlatformContainer, escapeTemplateSequences } from './platform-container';
import { TraefikEdge } from './traefik-edge';

export interface PrivateRegistryProps {
  readonly host: DockerHost;
  readonly edge: TraefikEdge;
  /** The registry's hostname, e.g. `registry.example.com`: what image references start with. */
  readonly hostname: string;
  /** htpasswd lines with bcrypt hashes: a reference to a sensitive variable. */
  readonly htpasswd: string;
  /** When garbage collection runs (cron schedule), or false for never. @default '30 4 * * 0' */
  readonly garbageCollect?: string | false;
  /** Registry pushes buffer little; ~20 MiB idle. @default 256 */
  readonly memoryMiB?: number;
}

export class PrivateRegistry extends Construct {
  readonly container: PlatformContainer;
  readonly volume: RegisteredVolume;
  readonly hostname: string;
  readonly config: string;
  /** The host-level garbage collection, when scheduled. */
  readonly garbageCollection?: NullResource;

  constructor(scope: Construct, id: string, props: PrivateRegistryProps) {
    super(scope, id);
    const { host, edge } = props;
    const name = `${host.namePrefix}-registry`;
    const image = catalogImageRef('registry');
    this.hostname = props.hostname;

    this.volume = host.addVolume(this, 'registry-data', { backup: 'stop', owner: 'platform' });
    this.config = renderRegistryConfig({ realm: `${host.namePrefix} registry` });

    // Upload sessions are signed with it; a stable secret keeps a push going across a restart of the registry.
    const httpSecret = new Password(this, 'http-secret', { length: 48, special: false });
    const monitoring = host.findNetwork('monitoring');

    this.container = new PlatformContainer(this, 'registry', {
      host,
      name,
      image,
      role: 'platform',
      memoryMiB: props.memoryMiB ?? 256,
      cpus: 0.5,
      // The image sends traces to localhost:4318 unless told not to.
      env: { OTEL_TRACES_EXPORTER: 'none' },
      secretEnv: { REGISTRY_HTTP_SECRET: httpSecret.result },
      files: { [REGISTRY_CONFIG_FILE]: this.config },
      secretFiles: { [REGISTRY_HTPASSWD_FILE]: props.htpasswd },
      volumes: [{ volume: this.volume, path: REGISTRY_DATA_DIR }],
      networks: [{ network: edge.webNetwork }, ...(monitoring ? [{ network: monitoring }] : [])],
      labels: edge.routeLabels({
        name: 'registry',
        hostnames: [props.hostname],
        port: REGISTRY_PORT,
        // No compression: layers are compressed already, and a re-encoded blob no longer matches its digest.
        // The registry asks for its own credentials (docker login); no edge auth in front of it.
        middlewares: ['rate-global', 'security-headers'],
      }),
      healthcheck: { command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${REGISTRY_DEBUG_PORT}/debug/health || exit 1`] },
      metrics: { port: REGISTRY_DEBUG_PORT, path: '/metrics' },
      hostnames: [props.hostname],
    });

    const schedule = props.garbageCollect ?? '30 4 * * 0';
    if (schedule !== false) {
      const script = renderRegistryGcScript({ container: name, image, volume: this.volume.name });
      const cron = renderRegistryGcCron(schedule);
      const digest = createHash('sha256').update(`${script}\0${cron}`).digest('hex');
      const logDirectory = BACKUP_DEFAULTS.logFile.slice(0, BACKUP_DEFAULTS.logFile.lastIndexOf('/'));
      this.garbageCollection = new NullResource(this, 'garbage-collection', {
        triggers: { files: digest, host: host.address },
        connection: host.rootConnection,
        provisioners: [
          { type: 'remote-exec', inline: [`mkdir -p ${logDirectory} /usr/local/sbin`] },
          { type: 'file', content: escapeTemplateSequences(script), destination: REGISTRY_GC_SCRIPT },
          { type: 'file', content: escapeTemplateSequences(cron), destination: REGISTRY_GC_CRON_FILE },
          { type: 'remote-exec', inline: [`chmod 0755 ${REGISTRY_GC_SCRIPT}`, `chmod 0644 ${REGISTRY_GC_CRON_FILE}`, `bash -n ${REGISTRY_GC_SCRIPT}`] },
        ],
        dependsOn: [this.container.container],
      });
    }
  }

  /**
   * Lets `host` pull images from this registry: its docker provider signs in as `username` (one of the htpasswd
   * users) with `password`, a reference to a sensitive variable.
   */
  authenticate(host: DockerHost, username: string, password: string): void {
    const existing = (host.provider.registryAuth ?? []) as { address: string; username?: string; password?: string }[];
    host.provider.registryAuth = [...existing.filter((auth) => auth.address !== this.hostname), { address: this.hostname, username, password }];
  }
}
