// The one image catalog: every image the platform runs, pinned to a version that publishes
// linux/arm64 and linux/amd64. Constructs take images from here; apps name their own and pass
// through `parseImageReference`, which refuses `latest` and untagged references.

export type CpuArchitecture = 'arm64' | 'amd64';

export interface CatalogImage {
  /** Repository without tag, e.g. `traefik` or `ghcr.io/org/app`. */
  readonly repository: string;
  /** An exact version tag, never `latest`. */
  readonly tag: string;
  /** Platforms the pinned tag publishes, read from its registry manifest list. */
  readonly architectures: readonly CpuArchitecture[];
}

const both: readonly CpuArchitecture[] = ['arm64', 'amd64'];

export const IMAGE_CATALOG = {
  traefik: { repository: 'traefik', tag: 'v3.6.1', architectures: both },
  socketProxy: { repository: 'tecnativa/docker-socket-proxy', tag: 'v0.4.1', architectures: both },
  victoriaMetrics: { repository: 'victoriametrics/victoria-metrics', tag: 'v1.106.1', architectures: both },
  vmagent: { repository: 'victoriametrics/vmagent', tag: 'v1.106.1', architectures: both },
  vmalert: { repository: 'victoriametrics/vmalert', tag: 'v1.106.1', architectures: both },
  alertmanager: { repository: 'prom/alertmanager', tag: 'v0.28.1', architectures: both },
  grafana: { repository: 'grafana/grafana', tag: '11.3.1', architectures: both },
  loki: { repository: 'grafana/loki', tag: '3.2.1', architectures: both },
  alloy: { repository: 'grafana/alloy', tag: 'v1.8.3', architectures: both },
  promtail: { repository: 'grafana/promtail', tag: '3.2.1', architectures: both },
  cadvisor: { repository: 'gcr.io/cadvisor/cadvisor', tag: 'v0.50.0', architectures: both },
  nodeExporter: { repository: 'prom/node-exporter', tag: 'v1.9.1', architectures: both },
  authelia: { repository: 'authelia/authelia', tag: '4.39.4', architectures: both },
  nginx: { repository: 'nginxinc/nginx-unprivileged', tag: '1.28.0-alpine', architectures: both },
  postgres: { repository: 'postgres', tag: '17.5-alpine', architectures: both },
  watchtower: { repository: 'containrrr/watchtower', tag: '1.7.1', architectures: both },
  portainer: { repository: 'portainer/portainer-ce', tag: '2.27.6', architectures: both },
  registry: { repository: 'registry', tag: '3.0.0', architectures: both },
  // Holds a blue/green app's router: a container that only sleeps (~1 MiB).
  pause: { repository: 'registry.k8s.io/pause', tag: '3.10', architectures: both },
} as const satisfies Record<string, CatalogImage>;

export type CatalogImageName = keyof typeof IMAGE_CATALOG;

/** `repository:tag` of a catalog image. */
export function catalogImageRef(name: CatalogImageName): string {
  const image = IMAGE_CATALOG[name];
  return `${image.repository}:${image.tag}`;
}

export interface ImageReference {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

/** An image reference that cannot be pinned; `found` and `expected` read as one sentence. */
export class ImageReferenceError extends Error {
  constructor(readonly found: string, readonly expected: string) {
    super(`image ${found}; ${expected}`);
    this.name = 'ImageReferenceError';
  }
}

/** Splits `registry/repo:tag[@sha256:…]` and refuses what cannot be pinned: no tag, or `latest`. */
export function parseImageReference(reference: string): ImageReference {
  const [nameAndTag, digest] = reference.split('@', 2);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const found = `"${reference}"`;

  if (colon === -1) throw new ImageReferenceError(`${found} without a tag`, `expected a pinned version such as "${nameAndTag}:1.2.3"`);
  const repository = nameAndTag.slice(0, colon);
  const tag = nameAndTag.slice(colon + 1);

  if (!/^[a-z0-9]+([._/:-][a-z0-9]+)*$/.test(repository)) {
    throw new ImageReferenceError(`${found} with repository "${repository}"`, 'expected a lower-case repository such as ghcr.io/org/app');
  }
  if (tag === 'latest') throw new ImageReferenceError(`${found} on "latest"`, 'expected a pinned version tag such as 1.2.3');
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    throw new ImageReferenceError(`${found} with tag "${tag}"`, 'expected a tag of letters, digits, ".", "_" and "-"');
  }
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new ImageReferenceError(`${found} with digest "${digest}"`, 'expected sha256:<64 hex digits>');
  }
  return { repository, tag, digest };
}
