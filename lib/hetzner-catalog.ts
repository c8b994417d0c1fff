// What Hetzner Cloud offers that the platform relies on: server types with their memory and
// architecture, locations with their network zone, and the OS images cloud-init knows how to set up.

import { CpuArchitecture } from './images';

export interface ServerType {
  readonly name: string;
  readonly architecture: CpuArchitecture;
  readonly vcpus: number;
  /** Nominal RAM in MiB, as Hetzner sells it. */
  readonly memoryMiB: number;
  /** RAM left for containers once the kernel, Docker and system daemons have theirs. */
  readonly usableMemoryMiB: number;
  /** List price per month in EUR (excl. VAT) when the catalog was pinned; config may override. */
  readonly monthlyPriceEur: number;
  /** Locations that sell this type (ARM types are EU-only). */
  readonly locations: readonly string[];
}

const EU = ['nbg1', 'fsn1', 'hel1'] as const;
const ALL = ['nbg1', 'fsn1', 'hel1', 'ash', 'hil', 'sin'] as const;

// About 15 % of nominal RAM goes to the kernel, page tables, dockerd/containerd, journald and
// sshd; on a cax11 (4 GiB) about 3.4 GiB is what `free -m` shows as available after boot.
function serverType(
  name: string, architecture: CpuArchitecture, vcpus: number, memoryGiB: number, monthlyPriceEur: number,
  locations: readonly string[],
): ServerType {
  const memoryMiB = memoryGiB * 1024;
  return { name, architecture, vcpus, memoryMiB, usableMemoryMiB: Math.floor(memoryMiB * 0.85), monthlyPriceEur, locations };
}

export const SERVER_TYPES: Readonly<Record<string, ServerType>> = Object.fromEntries(
  [
    serverType('cax11', 'arm64', 2, 4, 3.79, EU),
    serverType('cax21', 'arm64', 4, 8, 6.49, EU),
    serverType('cax31', 'arm64', 8, 16, 12.49, EU),
    serverType('cax41', 'arm64', 16, 32, 24.49, EU),
    serverType('cx22', 'amd64', 2, 4, 3.79, EU),
    serverType('cx32', 'amd64', 4, 8, 6.8, EU),
    serverType('cx42', 'amd64', 8, 16, 16.4, EU),
    serverType('cx52', 'amd64', 16, 32, 32.4, EU),
    serverType('cx23', 'amd64', 2, 4, 2.99, EU),
    serverType('cx33', 'amd64', 4, 8, 4.99, EU),
    serverType('cx43', 'amd64', 8, 16, 9.49, EU),
    serverType('cx53', 'amd64', 16, 32, 17.49, EU),
    serverType('cpx11', 'amd64', 2, 2, 4.35, ALL),
    serverType('cpx21', 'amd64', 3, 4, 7.55, ALL),
    serverType('cpx31', 'amd64', 4, 8, 13.6, ALL),
    serverType('cpx41', 'amd64', 8, 16, 25.2, ALL),
    serverType('cpx51', 'amd64', 16, 32, 50.4, ALL),
  ].map((type) => [type.name, type]),
);

export const LOCATIONS: Readonly<Record<string, { readonly city: string; readonly networkZone: string }>> = {
  nbg1: { city: 'Nuremberg', networkZone: 'eu-central' },
  fsn1: { city: 'Falkenstein', networkZone: 'eu-central' },
  hel1: { city: 'Helsinki', networkZone: 'eu-central' },
  ash: { city: 'Ashburn, VA', networkZone: 'us-east' },
  hil: { city: 'Hillsboro, OR', networkZone: 'us-west' },
  sin: { city: 'Singapore', networkZone: 'ap-southeast' },
};

/** How cloud-init installs packages on an image: apt for Debian/Ubuntu, dnf for the EL family. */
export type OsFamily = 'debian' | 'el';

const IMAGE_FAMILIES: ReadonlyArray<readonly [RegExp, OsFamily]> = [
  [/^debian-(11|12|13)$/, 'debian'],
  [/^ubuntu-(22\.04|24\.04)$/, 'debian'],
  [/^(alma|rocky)-(9|10)$/, 'el'],
];

export const SUPPORTED_IMAGES = 'debian-11|12|13, ubuntu-22.04|24.04, alma-9|10, rocky-9|10';

export function osFamilyOf(image: string): OsFamily | undefined {
  return IMAGE_FAMILIES.find(([pattern]) => pattern.test(image))?.[1];
}
