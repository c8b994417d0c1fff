// One DNS zone in Hetzner's Cloud DNS and its record sets: A/AAAA for every hostname a host serves,
// plus extra records (MX, TXT, CNAME …) with values in the shape the API requires.

import { Token } from 'cdktf';
import { Construct } from 'constructs';

import { Zone } from '../.gen/providers/hcloud/zone';
import { ZoneRrset } from '../.gen/providers/hcloud/zone-rrset';
import { RecordType, normalizeRecordValue, recordValueProblem } from '../lib/dns-records';
import type { HetznerArmHost } from './hetzner-arm-host';

export interface DnsZoneProps {
  /** The domain, e.g. `example.com`. */
  readonly domain: string;
  /** TTL of the zone and of records that set none. @default 300 */
  readonly ttl?: number;
  /** Refuse to delete the zone through the API. @default true */
  readonly deleteProtection?: boolean;
  readonly labels?: Record<string, string>;
}

export class DnsZone extends Construct {
  /** A zone that already exists in Hetzner DNS (created by hand or another stack): records only. */
  static fromDomain(scope: Construct, id: string, domain: string, ttl = 300): DnsZone {
    return new DnsZone(scope, id, { domain, ttl }, false);
  }

  readonly domain: string;
  readonly ttl: number;
  /** The hcloud_zone resource, when this construct manages the zone itself. */
  readonly zone?: Zone;

  private readonly recordSets = new Map<string, { type: RecordType; resource: ZoneRrset }>();

  constructor(scope: Construct, id: string, props: DnsZoneProps, manageZone = true) {
    super(scope, id);
    this.domain = props.domain;
    this.ttl = props.ttl ?? 300;

    if (manageZone) {
      this.zone = new Zone(this, 'zone', {
        name: props.domain,
        mode: 'primary',
        ttl: this.ttl,
        deleteProtection: props.deleteProtection ?? true,
        labels: props.labels,
      });
    }
  }

  /** Points `recordName` (`@` for the apex) at the host: A, and AAAA when the host has IPv6. */
  pointAt(recordName: string, host: HetznerArmHost): void {
    this.addRecord(recordName, 'A', [host.ipv4Address]);
    if (host.ipv6Enabled) this.addRecord(recordName, 'AAAA', [host.ipv6Address]);
  }

  /** Whether a record set of that name and type exists already. */
  hasRecord(recordName: string, type: RecordType): boolean {
    return this.recordSets.has(`${recordName}/${type}`);
  }

  /**
   * Adds one record set. Values are normalized for the API (TXT quoted and split at 255 characters,
   * targets fully qualified). A second set of the same name and type, or a CNAME beside other
   * records of its name, is refused.
   */
  addRecord(recordName: string, type: RecordType, values: readonly string[], ttl?: number): ZoneRrset {
    const key = `${recordName}/${type}`;
    if (this.recordSets.has(key)) {
      throw new Error(`${this.node.path}: a ${type} record set for "${recordName}" in ${this.domain} exists already; ` +
        'expected each name and type once (list several values in one record instead)');
    }
    const sameName = [...this.recordSets.entries()].filter(([existing]) => existing.startsWith(`${recordName}/`));
    if (sameName.length > 0 && (type === 'CNAME' || sameName.some(([, set]) => set.type === 'CNAME'))) {
      throw new Error(`${this.node.path}: "${recordName}" in ${this.domain} cannot have a CNAME beside other records; ` +
        'expected a CNAME to be the only record of its name');
    }
    for (const value of values) {
      const problem = Token.isUnresolved(value) ? undefined : recordValueProblem(type, value);
      if (problem) throw new Error(`${this.node.path}: ${type} record "${recordName}" has value "${value}"; ${problem}`);
    }

    const resource = new ZoneRrset(this, `${type.toLowerCase()}-${logicalName(recordName)}`, {
      zone: this.zone ? this.zone.name : this.domain,
      name: recordName,
      type,
      ttl: ttl ?? this.ttl,
      records: values.map((value) => ({ value: Token.isUnresolved(value) ? value : normalizeRecordValue(type, value) })),
    });
    this.recordSets.set(key, { type, resource });
    return resource;
  }
}

function logicalName(recordName: string): string {
  return recordName === '@' ? 'apex' : recordName.replace(/\*/g, 'wildcard').replace(/[^a-z0-9-]/gi, '-');
}
