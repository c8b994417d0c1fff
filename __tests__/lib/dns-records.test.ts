// Record values in the shape Hetzner's DNS API accepts.
import { normalizeRecordValue, quoteTxt, recordValueProblem } from '../../lib/dns-records';

describe('TXT values', () => {
  it('are quoted', () => {
    expect(quoteTxt('v=spf1 mx -all')).toBe('"v=spf1 mx -all"');
  });

  it('escape quotes and backslashes inside', () => {
    expect(quoteTxt('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
  });

  it('are split into strings of at most 255 characters', () => {
    const dkim = `v=DKIM1; k=rsa; p=${'A'.repeat(400)}`;
    const quoted = quoteTxt(dkim);
    const strings = quoted.match(/"[^"]*"/g)!;
    expect(strings.map((string) => string.length - 2)).toEqual([255, dkim.length - 255]);
    expect(strings.map((string) => string.slice(1, -1)).join('')).toBe(dkim);
  });

  it('that are quoted already stay as they are', () => {
    expect(quoteTxt('"already" "split"')).toBe('"already" "split"');
  });
});

describe('targets', () => {
  it('of CNAME, MX and SRV become fully qualified', () => {
    expect(normalizeRecordValue('CNAME', 'example.com')).toBe('example.com.');
    expect(normalizeRecordValue('MX', '10 mail.example.com')).toBe('10 mail.example.com.');
    expect(normalizeRecordValue('SRV', '0 5 5060 sip.example.com.')).toBe('0 5 5060 sip.example.com.');
    expect(normalizeRecordValue('A', '203.0.113.7')).toBe('203.0.113.7');
  });
});

describe('value shapes', () => {
  it.each([
    ['MX', 'mail.example.com', /priority/],
    ['A', 'example.com', /IPv4/],
    ['AAAA', '203.0.113.7', /IPv6/],
    ['SRV', '10 sip.example.com', /weight/],
  ] as const)('%s "%s" is refused', (type, value, expected) => {
    expect(recordValueProblem(type, value)).toMatch(expected);
  });

  it('accepts well-formed values', () => {
    expect(recordValueProblem('MX', '10 mail.example.com.')).toBeUndefined();
    expect(recordValueProblem('AAAA', '2001:db8::1')).toBeUndefined();
  });
});
