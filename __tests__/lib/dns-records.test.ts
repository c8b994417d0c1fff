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

  it('are split by bytes, not characters, and never inside a character', () => {
    const text = 'é'.repeat(200);
    const strings = quoteTxt(text).match(/"[^"]*"/g)!.map((string) => string.slice(1, -1));
    expect(strings.map((string) => Buffer.byteLength(string))).toEqual([254, 146]);
    expect(strings.join('')).toBe(text);
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

  it('of CAA get their value quoted', () => {
    expect(normalizeRecordValue('CAA', '0 issue letsencrypt.org')).toBe('0 issue "letsencrypt.org"');
    expect(normalizeRecordValue('CAA', '0 iodef "mailto:ops@example.com"')).toBe('0 iodef "mailto:ops@example.com"');
  });
});

describe('value shapes', () => {
  it.each([
    ['MX', 'mail.example.com', /priority/],
    ['A', 'example.com', /IPv4/],
    ['AAAA', '203.0.113.7', /IPv6/],
    ['SRV', '10 sip.example.com', /weight/],
    ['A', '999.1.1.1', /IPv4/],
    ['A', '203.0.113.7/32', /IPv4/],
    ['AAAA', 'hello:world', /IPv6/],
    ['AAAA', '2001:db8:::1', /IPv6/],
    ['CNAME', '...', /host name/],
    ['CNAME', 'a.example.com. b.example.com.', /one host name/],
    ['MX', '99999 mail.example.com.', /0-65535/],
    ['SRV', '0 5 99999 sip.example.com.', /0-65535/],
    ['CAA', 'letsencrypt.org', /<flags 0-255> <tag> <value>/],
    ['CAA', '300 issue "letsencrypt.org"', /<flags 0-255>/],
  ] as const)('%s "%s" is refused', (type, value, expected) => {
    expect(recordValueProblem(type, value)).toMatch(expected);
  });

  it('accepts well-formed values', () => {
    expect(recordValueProblem('MX', '10 mail.example.com.')).toBeUndefined();
    expect(recordValueProblem('AAAA', '2001:db8::1')).toBeUndefined();
    expect(recordValueProblem('A', '203.0.113.7')).toBeUndefined();
    expect(recordValueProblem('CNAME', 's1._domainkey.mail.example.net')).toBeUndefined();
    expect(recordValueProblem('MX', '0 .')).toBeUndefined();
    expect(recordValueProblem('SRV', '10 5 5060 sip.example.com.')).toBeUndefined();
    expect(recordValueProblem('CAA', '0 issue "letsencrypt.org"')).toBeUndefined();
  });
});
