// One container on a platform host, with the platform's defaults: a memory limit (no swap), a
// restart policy, no-new-privileges, config delivered as content (upload blocks, never a
// bind-mounted file), labels naming its app and role, and registration with its host.

import { ITerraformDependable, Lazy, Token } from 'cdktf';
import { Construct } from 'constructs';
import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';

import { HealthcheckSpec } from '../lib/app-definition';
import { DockerHost, RegisteredVolume } from './docker-host';

export interface PlatformContainerProps {
  readonly host: DockerHost;
  /** Container name on the host, e.g. `mambo-production-traefik`. */
  readonly name: string;
  /** A pinned image reference. */
  readonly image: string;
  readonly role: 'platform' | 'app' | 'companion';
  /** The app it belongs to (apps and companions). */
  readonly app?: string;
  /** Memory limit; swap is not allowed beyond it. */
  readonly memoryMiB: number;
  /** CPU limit in cores. @default no limit */
  readonly cpus?: number;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  /** Plain environment values. Secrets go in `secretEnv`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment values that are Terraform references to sensitive variables or generated secrets. */
  readonly secretEnv?: Readonly<Record<string, string>>;
  /** Files written into the container before it starts: path → content. A change replaces the container. */
  readonly files?: Readonly<Record<string, string>>;
  /**
   * Files whose paths are known only once every construct exists (one per app, for apps added after this
   * container): asked for at synth and written like `files`.
   */
  readonly lateFiles?: () => Readonly<Record<string, string>>;
  /**
   * Secret files: path → a reference to a sensitive variable or a generated value, written readable by
   * the container's root only (0400). For images that read secrets from files (`*_FILE` variables).
   */
  readonly secretFiles?: Readonly<Record<string, string>>;
  readonly volumes?: readonly { readonly volume: RegisteredVolume; readonly path: string; readonly readOnly?: boolean }[];
  /**
   * Host paths mounted into the container. Only for what must be shared with the host itself (the
   * Docker socket, /proc, /sys); never for config files, which go in `files`.
   */
  readonly hostMounts?: readonly { readonly hostPath: string; readonly path: string; readonly readOnly: boolean }[];
  /** Networks to join; `ipv4Address` pins the container's address (e.g. the edge, trusted by address). */
  readonly networks: readonly { readonly network: Network; readonly aliases?: readonly string[]; readonly ipv4Address?: string }[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly healthcheck?: HealthcheckSpec;
  /** Ports published on the host. Only the edge publishes any (80 and 443). */
  readonly publish?: readonly { readonly internal: number; readonly external: number; readonly protocol?: 'tcp' | 'udp' }[];
  /** @default 'unless-stopped' */
  readonly restart?: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  readonly user?: string;
  /** Capabilities to drop and add. @default the image's defaults */
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  /** Read-only root filesystem. @default false */
  readonly readOnlyRootFilesystem?: boolean;
  /** Prometheus metrics this container offers for scraping. */
  readonly metrics?: { readonly port: number; readonly path: string };
  /** Hostnames routed to it, for the report. */
  readonly hostnames?: readonly string[];
  /** Escape hatches the platform needs for a few system containers (node exporter, cAdvisor). */
  readonly privileged?: boolean;
  readonly pidMode?: string;
  /** Resources that must exist (and be healthy) first. */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** Terraform keeps the container running (starts it when stopped). @default true */
  readonly mustRun?: boolean;
  /** Create the replacement before destroying this one (needs a name that changes with it). @default false */
  readonly createBeforeDestroy?: boolean;
}

export class PlatformContainer extends Construct {
  readonly container: Container;
  readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformContainerProps) {
    super(scope, id);
    this.name = props.name;
    const { host } = props;

    // Plain values are text (a shell's `${PORT:-80}` stays as written); secret values are Terraform references.
    const env = [
      ...Object.entries(props.env ?? {}).map(([key, value]) => `${key}=${literalForTerraform(value)}`),
      ...Object.entries(props.secretEnv ?? {}).map(([key, value]) => `${key}=${value}`),
    ];
    const labels = {
      'mambo.role': props.role,
      ...(props.app ? { 'mambo.app': props.app } : {}),
      ...props.labels,
    };

    // Keys are single words, the same in the binding's and Terraform's spelling, so a late list needs no mapping.
    const uploads = (late: Readonly<Record<string, string>> = {}) => [
      ...Object.entries({ ...props.files, ...late }).map(([file, content]) => ({ file, content: literalForTerraform(content) })),
      ...Object.entries(props.secretFiles ?? {}).map(([file, content]) => ({ file, content: literalForTerraform(content), permissions: '0400' })),
    ];

    const config: ContainerConfig = {
      provider: host.provider,
      name: props.name,
      image: host.image(props.image).imageId,
      restart: props.restart ?? 'unless-stopped',
      memory: props.memoryMiB,
      memorySwap: props.memoryMiB,
      cpus: props.cpus !== undefined ? String(props.cpus) : undefined,
      command: props.command?.map(literalForTerraform),
      entrypoint: props.entrypoint?.map(literalForTerraform),
      env: env.length > 0 ? env : undefined,
      user: props.user,
      securityOpts: ['no-new-privileges:true'],
      capabilities: props.capabilities && { drop: props.capabilities.drop && [...props.capabilities.drop], add: props.capabilities.add && [...props.capabilities.add] },
      readOnly: props.readOnlyRootFilesystem,
      privileged: props.privileged,
      pidMode: props.pidMode,
      labels: Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([label, value]) => ({ label, value })),
      networksAdvanced: props.networks.map(({ network, aliases, ipv4Address }) => ({ name: network.name, aliases: aliases && [...aliases], ipv4Address })),
      ports: props.publish?.map((port) => ({ internal: port.internal, external: port.external, protocol: port.protocol ?? 'tcp' })),
      upload: props.lateFiles ? Lazy.anyValue({ produce: () => uploads(props.lateFiles?.()) }) : uploads(),
      volumes: [
        ...(props.volumes ?? []).map(({ volume, path, readOnly }) => ({ volumeName: volume.volume.name, containerPath: path, readOnly })),
        ...(props.hostMounts ?? []).map(({ hostPath, path, readOnly }) => ({ hostPath, containerPath: path, readOnly })),
      ],
      healthcheck: props.healthcheck && {
        test: props.healthcheck.command.map(literalForTerraform),
        interval: props.healthcheck.interval ?? '30s',
        timeout: props.healthcheck.timeout ?? '5s',
        retries: props.healthcheck.retries ?? 3,
        startPeriod: props.healthcheck.startPeriod ?? '20s',
      },
      // With a healthcheck, apply waits until the container is healthy, so a broken release fails the deploy.
      wait: props.healthcheck !== undefined,
      waitTimeout: props.healthcheck !== undefined ? 180 : undefined,
      mustRun: props.mustRun ?? true,
      dependsOn: props.dependsOn && [...props.dependsOn],
      lifecycle: props.createBeforeDestroy ? { createBeforeDestroy: true } : undefined,
    };
    this.container = new Container(this, 'container', config);

    for (const { volume } of props.volumes ?? []) volume.containers.push(props.name);
    host.registerContainer({
      name: props.name,
      role: props.role,
      memoryMiB: props.memoryMiB,
      image: props.image,
      app: props.app,
      publishedPorts: (props.publish ?? []).map((port) => port.external),
      metrics: props.metrics,
      hostnames: props.hostnames ?? [],
    });
  }
}

/**
 * File content reaches Terraform as a string, where `${…}` and `%{…}` would be read as interpolation
 * (shell scripts are full of them); escape plain text. Content that is itself a Terraform reference
 * (a sensitive variable) passes through.
 */
function literalForTerraform(content: string): string {
  return Token.isUnresolved(content) ? content : escapeTemplateSequences(content);
}

/** Terraform's own escapes: `$${` for a literal `${`, `%%{` for a literal `%{`. */
export function escapeTemplateSequences(text: string): string {
  return text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
}
