// DNS record values as Hetzner's Cloud DNS API wants them: TXT as quoted strings of at most 255
// bytes, targets of CNAME/MX/SRV fully qualified with a trailing dot, CAA values quoted.

import { isIPv4, isIPv6 } from 'node:net';

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'CAA' | 'SRV';

// A DNS character-string holds at most 255 octets (RFC 1035 3.3); a longer TXT value is split.
const TXT_CHUNK_BYTES = 255;

/**
 * Quotes a TXT value the way the API requires: one or more `"…"` strings of at most 255 bytes each,
 * with `"` and `\` escaped. A value that is already quoted is returned unchanged.
 */
export function quoteTxt(value: string): string {
  if (/^".*"$/s.test(value)) return value;
  return utf8Chunks(value, TXT_CHUNK_BYTES)
    .map((chunk) => `"${chunk.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(' ');
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes without cutting a character in two. */
function utf8Chunks(text: string, maxBytes: number): string[] {
  const chunks: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const character of text) {
    const bytes = Buffer.byteLength(character, 'utf8');
    if (currentBytes + bytes > maxBytes) {
      chunks.push(current);
      current = '';
      currentBytes = 0;
    }
    current += character;
    currentBytes += bytes;
  }
  chunks.push(current);
  return chunks;
}

/** Puts a value in the shape the API stores: TXT quoted, targets fully qualified, CAA values quoted. */
export function normalizeRecordValue(type: RecordType, value: string): string {
  switch (type) {
    case 'TXT':
      return quoteTxt(value);
    case 'CNAME':
      return fullyQualified(value.trim());
    case 'MX':
    case 'SRV': {
      const parts = value.trim().split(/\s+/);
      parts[parts.length - 1] = fullyQualified(parts[parts.length - 1]);
      return parts.join(' ');
    }
    case 'CAA': {
      const caa = value.trim().match(CAA);
      if (!caa) return value.trim();
      const [, flags, tag, caaValue] = caa;
      return `${flags} ${tag} ${caaValue.startsWith('"') ? caaValue : `"${caaValue}"`}`;
    }
    default:
      return value.trim();
  }
}

function fullyQualified(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

// `<flags> <tag> <value>`, RFC 8659: flags 0-255, an alphanumeric tag, the value quoted or bare.
const CAA = /^(\d{1,3})\s+([a-z0-9]+)\s+("[^"]*"|\S+)$/i;
const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/** A host name as a record target: labels of letters, digits, `-` and `_`, with or without the final dot. */
function isTargetName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return bare.length > 0 && bare.length <= 253 && bare.split('.').every((label) => DNS_LABEL.test(label));
}

/** MX and SRV may name `.`: "no service here" (RFC 7505, RFC 2782). */
function isTargetOrNull(name: string): boolean {
  return name === '.' || isTargetName(name);
}

function isUint(text: string, max: number): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= max;
}

/** Checks a value's shape for its type; returns what is expected, or undefined when it is fine. */
export function recordValueProblem(type: RecordType, value: string): string | undefined {
  const parts = value.trim().split(/\s+/);
  switch (type) {
    case 'MX':
      return parts.length === 2 && isUint(parts[0], 65535) && isTargetOrNull(parts[1])
        ? undefined
        : 'expected "<priority> <mail host>" with a priority of 0-65535, e.g. "10 mail.example.com."';
    case 'SRV':
      return parts.length === 4 && parts.slice(0, 3).every((number) => isUint(number, 65535)) && isTargetOrNull(parts[3])
        ? undefined
        : 'expected "<priority> <weight> <port> <target>", numbers 0-65535, e.g. "10 5 5060 sip.example.com."';
    case 'CNAME':
      return isTargetName(value.trim()) ? undefined : 'expected one host name, e.g. "www.example.com."';
    case 'CAA': {
      const caa = value.trim().match(CAA);
      return caa && Number(caa[1]) <= 255
        ? undefined
        : 'expected "<flags 0-255> <tag> <value>", e.g. "0 issue \\"letsencrypt.org\\""';
    }
    case 'A':
      return isIPv4(value.trim()) ? undefined : 'expected an IPv4 address, e.g. "203.0.113.7"';
    case 'AAAA':
      return isIPv6(value.trim()) ? undefined : 'expected an IPv6 address, e.g. "2001:db8::7"';
    default:
      return undefined;
  }
}
