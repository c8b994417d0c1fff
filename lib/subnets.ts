// Carves the platform's Docker network subnets out of one IPv4 pool. The platform's own networks
// take the first slots; each app takes a slot picked from a hash of its name, so adding or removing
// an app never moves another app's network (which would replace its containers).

import { createHash } from 'node:crypto';

import * as ipaddr from 'ipaddr.js';

export interface SubnetRequest {
  readonly name: string;
  /** An explicit subnet; must lie inside the pool and overlap nothing else. */
  readonly subnet?: string;
}

export interface SubnetPlan {
  /** Network name → CIDR, platform networks first, then apps in request order. */
  readonly subnets: Readonly<Record<string, string>>;
}

/** Why a plan is impossible; the caller adds where in the config it came from. */
export class SubnetError extends Error {
  constructor(readonly networkName: string | undefined, readonly found: string, readonly expected: string) {
    super(`${networkName ?? 'pool'}: found ${found}; ${expected}`);
  }
}

export function planSubnets(pool: string, prefix: number, platformNetworks: readonly string[], apps: readonly SubnetRequest[]): SubnetPlan {
  const [poolAddress, poolPrefix] = ipaddr.parseCIDR(pool);
  if (poolAddress.kind() !== 'ipv4') throw new SubnetError(undefined, `"${pool}"`, 'expected an IPv4 pool for Docker networks');
  if (prefix < poolPrefix) throw new SubnetError(undefined, `subnets of /${prefix} in "${pool}"`, `expected subnets no larger than the pool (/${poolPrefix} or longer)`);

  const base = toNumber(ipaddr.IPv4.networkAddressFromCIDR(pool).toString());
  const slotSize = 2 ** (32 - prefix);
  const slotCount = 2 ** (prefix - poolPrefix);
  const slotCidr = (slot: number) => `${fromNumber(base + slot * slotSize)}/${prefix}`;

  const needed = platformNetworks.length + apps.filter((app) => !app.subnet).length;
  if (needed > slotCount) {
    throw new SubnetError(undefined, `${needed} networks for ${slotCount} subnets of /${prefix} in ${pool}`,
      'expected a larger pool or a longer subnetPrefix (pool exhausted)');
  }

  const subnets: Record<string, string> = {};
  const taken: Array<{ name: string; first: number; last: number }> = [];
  const claim = (name: string, cidr: string) => {
    const [address, length] = ipaddr.parseCIDR(cidr);
    const first = toNumber(ipaddr.IPv4.networkAddressFromCIDR(cidr).toString());
    const last = first + 2 ** (32 - length) - 1;
    if (address.kind() !== 'ipv4' || first < base || last > base + slotCount * slotSize - 1) {
      throw new SubnetError(name, `"${cidr}"`, `expected a subnet inside the pool ${pool}`);
    }
    const overlap = taken.find((other) => first <= other.last && other.first <= last);
    if (overlap) throw new SubnetError(name, `"${cidr}", which overlaps ${overlap.name} (${subnets[overlap.name]})`, 'expected subnets that do not overlap');
    taken.push({ name, first, last });
    subnets[name] = cidr;
  };
  const slotFree = (slot: number) => !taken.some((other) => base + slot * slotSize <= other.last && other.first <= base + (slot + 1) * slotSize - 1);

  platformNetworks.forEach((name, slot) => claim(name, slotCidr(slot)));
  for (const app of apps.filter((request) => request.subnet)) claim(app.name, app.subnet!);

  for (const app of apps.filter((request) => !request.subnet)) {
    const start = hashSlot(app.name, slotCount);
    let slot = start;
    while (!slotFree(slot)) {
      slot = (slot + 1) % slotCount;
      if (slot === start) throw new SubnetError(app.name, `no free /${prefix} left in ${pool}`, 'expected a larger pool (pool exhausted)');
    }
    claim(app.name, slotCidr(slot));
  }
  return { subnets };
}

function hashSlot(name: string, slotCount: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % slotCount;
}

function toNumber(address: string): number {
  return address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function fromNumber(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
