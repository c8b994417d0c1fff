// DnsZone: one hcloud_zone and a record set per name and type, values as the API wants them.
import { Testing } from 'cdktf';

import { Zone } from '../../.gen/providers/hcloud/zone';
import { ZoneRrset } from '../../.gen/providers/hcloud/zone-rrset';
import { DnsZone } from '../../constructs/dns-zone';

function synthZone(build: (zone: DnsZone) => void, manage = true): string {
  return Testing.synthScope((scope) => {
    const zone = manage ? new DnsZone(scope, 'zone', { domain: 'example.com' }) : DnsZone.fromDomain(scope, 'zone', 'example.com');
    build(zone);
  });
}

describe('DnsZone', () => {
  it('creates a primary zone with delete protection', () => {
    expect(synthZone(() => undefined)).toHaveResourceWithProperties(Zone, { name: 'example.com', mode: 'primary', delete_protection: true, ttl: 300 });
  });

  it('quotes TXT values and qualifies MX targets', () => {
    const synthesized = synthZone((zone) => {
      zone.addRecord('@', 'TXT', ['v=spf1 mx -all']);
      zone.addRecord('@', 'MX', ['10 mail.example.com']);
    });
    expect(synthesized).toHaveResourceWithProperties(ZoneRrset, { name: '@', type: 'TXT', records: [{ value: '"v=spf1 mx -all"' }] });
    expect(synthesized).toHaveResourceWithProperties(ZoneRrset, { name: '@', type: 'MX', records: [{ value: '10 mail.example.com.' }] });
  });

  it('refers to the zone resource so records wait for it', () => {
    const synthesized = synthZone((zone) => zone.addRecord('www', 'CNAME', ['example.com.']));
    expect(synthesized).toHaveResourceWithProperties(ZoneRrset, { zone: expect.stringMatching(/^\$\{hcloud_zone\..+\.name\}$/) });
  });

  it('only adds records to a zone that exists elsewhere', () => {
    const synthesized = synthZone((zone) => zone.addRecord('www', 'CNAME', ['example.com.']), false);
    expect(synthesized).not.toHaveResource(Zone);
    expect(synthesized).toHaveResourceWithProperties(ZoneRrset, { zone: 'example.com' });
  });

  it('refuses the same name and type twice', () => {
    expect(() => synthZone((zone) => {
      zone.addRecord('www', 'A', ['203.0.113.7']);
      zone.addRecord('www', 'A', ['203.0.113.8']);
    })).toThrow(/a A record set for "www" in example.com exists already/);
  });

  it('refuses a CNAME beside other records of its name', () => {
    expect(() => synthZone((zone) => {
      zone.addRecord('www', 'A', ['203.0.113.7']);
      zone.addRecord('www', 'CNAME', ['example.com.']);
    })).toThrow(/cannot have a CNAME beside other records/);
  });

  it('refuses a CNAME at the apex, which always holds SOA and NS', () => {
    expect(() => synthZone((zone) => zone.addRecord('@', 'CNAME', ['elsewhere.example.net.']))).toThrow(/a CNAME at the apex of example.com/);
  });

  it('refuses a CNAME with more than one target, and a record set without values', () => {
    expect(() => synthZone((zone) => zone.addRecord('www', 'CNAME', ['a.example.net.', 'b.example.net.']))).toThrow(/has 2 values; expected exactly one target/);
    expect(() => synthZone((zone) => zone.addRecord('www', 'A', []))).toThrow(/has no value; expected at least one/);
  });

  it('treats names case-insensitively, as DNS does', () => {
    expect(() => synthZone((zone) => {
      zone.addRecord('www', 'A', ['203.0.113.7']);
      zone.addRecord('WWW', 'A', ['203.0.113.8']);
    })).toThrow(/a A record set for "www" in example.com exists already/);
  });

  it('keeps names apart that read alike in a construct id (a.b and a-b, * and wildcard, @ and apex)', () => {
    const synthesized = synthZone((zone) => {
      for (const name of ['shop.eu', 'shop-eu', '*', 'wildcard', '@', 'apex', '_dmarc']) zone.addRecord(name, 'TXT', ['x']);
    });
    const names = Object.values<any>(JSON.parse(synthesized).resource.hcloud_zone_rrset).map((set) => set.name).sort();
    expect(names).toEqual(['*', '@', '_dmarc', 'apex', 'shop-eu', 'shop.eu', 'wildcard']);
  });

  it('refuses a malformed value', () => {
    expect(() => synthZone((zone) => zone.addRecord('@', 'MX', ['mail.example.com']))).toThrow(/MX record "@" has value "mail.example.com"; expected "<priority> <mail host>"/);
  });
});
