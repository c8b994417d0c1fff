// One DNS zone in Hetzner's Cloud DNS and its record sets: A/AAAA for every hostname a host serves,
// plus extra records (MX, TXT, CNAME …) with values in the shape the API requires.

import { createHash } from 'node:crypto';

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
    return this.recordSets.has(`${recordName.toLowerCase()}/${type}`);
  }

  /**
   * Adds one record set. Values are normalized for the API (TXT quoted and split at 255 bytes,
   * targets fully qualified). Refused: a set without values, a second set of the same name and type,
   * a CNAME beside other records of its name, at the apex (which always holds SOA and NS) or with
   * more than one target.
   */
  addRecord(name: string, type: RecordType, values: readonly string[], ttl?: number): ZoneRrset {
    // DNS names are case-insensitive: `WWW` and `www` are one name to the API.
    const recordName = name.toLowerCase();
    const key = `${recordName}/${type}`;
    if (values.length === 0) {
      throw new Error(`${this.node.path}: ${type} record "${recordName}" in ${this.domain} has no value; expected at least one`);
    }
    if (type === 'CNAME' && recordName === '@') {
      throw new Error(`${this.node.path}: a CNAME at the apex of ${this.domain}; expected A/AAAA records there ` +
        '(the apex always holds SOA and NS records, which a CNAME may not sit beside)');
    }
    if (type === 'CNAME' && values.length > 1) {
      throw new Error(`${this.node.path}: CNAME record "${recordName}" in ${this.domain} has ${values.length} values; ` +
        'expected exactly one target');
    }
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

/**
 * A readable construct id part for a record name. Names that are not their own readable form (`_dmarc`,
 * `a.b`, `*`, a literal `apex`) get a short hash, so `a.b` and `a-b` never share an id.
 */
function logicalName(recordName: string): string {
  if (recordName === '@') return 'apex';
  const readable = recordName.replace(/\*/g, 'wildcard').replace(/[^a-z0-9-]/g, '-');
  if (readable === recordName && recordName !== 'apex') return readable;
  return `${readable}-${createHash('sha256').update(recordName).digest('hex').slice(0, 8)}`;
}
