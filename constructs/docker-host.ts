// One host as the platform stack sees it: a docker provider over SSH to the deploy user, the
// platform's networks, the images pulled for the host's architecture, and a register of every
// container and volume placed on it (for the memory budget, backups and the report).

import { SSHProvisionerConnection, TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { Image } from '@cdktf/provider-docker/lib/image';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { Volume } from '@cdktf/provider-docker/lib/volume';

import { VolumeBackupPolicy } from '../lib/app-definition';
import { MemoryBudget, MemoryConsumer, memoryBudget } from '../lib/capacity';
import { ServerType } from '../lib/hetzner-catalog';
import { CpuArchitecture, parseImageReference } from '../lib/images';

export interface DockerHostProps {
  /** The host's name in its environment, e.g. `main`. */
  readonly hostName: string;
  /** Prefix of every Docker object, e.g. `mambo-production`. */
  readonly namePrefix: string;
  /** Public address the provider reaches over SSH (a cross-stack reference to the infra stack). */
  readonly address: string;
  readonly serverType: ServerType;
  /** @default 'deploy' */
  readonly deployUser?: string;
  /** Options for the ssh client the docker provider runs. @default accept a new host key once, keep-alives on */
  readonly sshOptions?: readonly string[];
  /**
   * Reach Docker's TLS port instead of SSH (tcp://<address>:<port>), with PEM material that are references
   * to sensitive variables. @default SSH
   */
  readonly tls?: { readonly port: number; readonly caMaterial: string; readonly certMaterial: string; readonly keyMaterial: string };
}

/** A platform network: `internal` ones have no route out of the host. */
export interface PlatformNetworkProps {
  readonly subnet: string;
  readonly internal: boolean;
}

export interface RegisteredVolume {
  readonly volume: Volume;
  /** Docker's name for it, e.g. `mambo-production-acme`. */
  readonly name: string;
  readonly backup: VolumeBackupPolicy;
  /** Containers that mount it: stopped around a `stop` backup. */
  readonly containers: string[];
  /** What a `dump` backup runs, for database volumes. */
  readonly dump?: { readonly kind: 'postgres'; readonly container: string; readonly user: string; readonly database: string };
  /** Who declared it: `platform`, or `app.<name>`. */
  readonly owner: string;
}

/** What the host knows about each container placed on it. */
export interface RegisteredContainer extends MemoryConsumer {
  readonly image: string;
  /** The app it belongs to, when it is an app or a companion. */
  readonly app?: string;
  readonly publishedPorts: readonly number[];
  /** Prometheus metrics the container offers for scraping. */
  readonly metrics?: { readonly port: number; readonly path: string };
  readonly hostnames: readonly string[];
}

export const DEFAULT_SSH_OPTIONS = ['-o', 'StrictHostKeyChecking=accept-new', '-o', 'ServerAliveInterval=30'];

export class DockerHost extends Construct {
  readonly provider: DockerProvider;
  readonly hostName: string;
  readonly namePrefix: string;
  readonly serverType: ServerType;
  /** Public address (a reference to the infra stack's output). */
  readonly address: string;
  readonly containers: RegisteredContainer[] = [];
  readonly volumes: RegisteredVolume[] = [];

  private readonly images = new Map<string, Image>();
  private readonly networks = new Map<string, Network>();

  constructor(scope: Construct, id: string, props: DockerHostProps) {
    super(scope, id);
    this.hostName = props.hostName;
    this.namePrefix = props.namePrefix;
    this.serverType = props.serverType;
    this.address = props.address;

    this.provider = new DockerProvider(this, 'docker', {
      alias: props.hostName,
      host: props.tls ? `tcp://${props.address}:${props.tls.port}` : `ssh://${props.deployUser ?? 'deploy'}@${props.address}:22`,
      sshOpts: props.tls ? undefined : [...(props.sshOptions ?? DEFAULT_SSH_OPTIONS)],
      caMaterial: props.tls?.caMaterial,
      certMaterial: props.tls?.certMaterial,
      keyMaterial: props.tls?.keyMaterial,
    });
  }

  get architecture(): CpuArchitecture {
    return this.serverType.architecture;
  }

  /**
   * SSH connection for host-level provisioners (scripts, cron, systemd timers): root by key through
   * the ssh agent, the way the person or CI running `cdktf deploy` reaches the host.
   */
  get rootConnection(): SSHProvisionerConnection {
    return { type: 'ssh', host: this.address, user: 'root', agent: 'true', timeout: '2m' };
  }

  /** The provider every resource on this host must use. */
  get dockerProvider(): TerraformProvider {
    return this.provider;
  }

  /** Pulls a pinned image for the host's architecture, once however many containers use it. */
  image(reference: string): Image {
    parseImageReference(reference);
    let image = this.images.get(reference);
    if (!image) {
      // Named after the reference alone, so adding an image never renames another one.
      image = new Image(this, `image-${reference.replace(/[^a-z0-9]+/gi, '-')}`, {
        provider: this.provider,
        name: reference,
        platform: `linux/${this.architecture}`,
        // Images stay on the host when Terraform forgets them: a running container may still use one.
        keepLocally: true,
      });
      this.images.set(reference, image);
    }
    return image;
  }

  /** Creates a platform network (`web`, `monitoring` …) named `<prefix>-<name>`. */
  addNetwork(name: string, props: PlatformNetworkProps): Network {
    if (this.networks.has(name)) throw new Error(`${this.node.path}: network "${name}" exists already on host ${this.hostName}`);
    const network = new Network(this, `network-${name}`, {
      provider: this.provider,
      name: `${this.namePrefix}-${name}`,
      driver: 'bridge',
      internal: props.internal,
      ipamConfig: [{ subnet: props.subnet }],
      labels: [{ label: 'mambo.network', value: name }],
    });
    this.networks.set(name, network);
    return network;
  }

  /** A network added before, by its short name, if there is one. */
  findNetwork(name: string): Network | undefined {
    return this.networks.get(name);
  }

  /** A network added before, by its short name. */
  network(name: string): Network {
    const network = this.networks.get(name);
    if (!network) throw new Error(`${this.node.path}: no network "${name}" on host ${this.hostName}; added: ${[...this.networks.keys()].join(', ')}`);
    return network;
  }

  /** Creates a named volume registered for backups under its policy. */
  addVolume(scope: Construct, name: string, registration: Omit<RegisteredVolume, 'volume' | 'name' | 'containers'>): RegisteredVolume {
    const fullName = `${this.namePrefix}-${name}`;
    if (this.volumes.some((volume) => volume.name === fullName)) {
      throw new Error(`${scope.node.path}: volume "${fullName}" exists already on host ${this.hostName}`);
    }
    const volume = new Volume(scope, `volume-${name}`, {
      provider: this.provider,
      name: fullName,
      labels: [{ label: 'mambo.backup', value: registration.backup }, { label: 'mambo.owner', value: registration.owner }],
      // A plan that would delete or replace a volume fails instead of losing its data.
      lifecycle: { preventDestroy: true },
    });
    const registered: RegisteredVolume = { ...registration, volume, name: fullName, containers: [] };
    this.volumes.push(registered);
    return registered;
  }

  registerContainer(container: RegisteredContainer): void {
    if (this.containers.some((existing) => existing.name === container.name)) {
      throw new Error(`${this.node.path}: container "${container.name}" exists already on host ${this.hostName}`);
    }
    this.containers.push(container);
  }

  /** The sum of memory limits on this host against what its server type leaves usable. */
  memoryBudget(): MemoryBudget {
    return memoryBudget(this.hostName, this.serverType, this.containers);
  }
}
