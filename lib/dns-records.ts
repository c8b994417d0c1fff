// DNS record values as Hetzner's Cloud DNS API wants them: TXT as quoted strings of at most 255
// characters, targets of CNAME/MX/SRV fully qualified with a trailing dot.

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'CAA' | 'SRV';

const TXT_CHUNK = 255;

/**
 * Quotes a TXT value the way the API requires: one or more `"…"` strings of at most 255 characters,
 * with `"` and `\` escaped. A value that is already quoted is returned unchanged.
 */
export function quoteTxt(value: string): string {
  if (/^".*"$/s.test(value)) return value;
  const chunks: string[] = [];
  for (let start = 0; start < value.length || chunks.length === 0; start += TXT_CHUNK) {
    chunks.push(value.slice(start, start + TXT_CHUNK));
  }
  return chunks.map((chunk) => `"${chunk.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' ');
}

/** Adds the trailing dot to the target name of CNAME, MX and SRV values; other types pass through. */
export function normalizeRecordValue(type: RecordType, value: string): string {
  switch (type) {
    case 'TXT':
      return quoteTxt(value);
    case 'CNAME':
      return fullyQualified(value);
    case 'MX':
    case 'SRV': {
      const parts = value.trim().split(/\s+/);
      parts[parts.length - 1] = fullyQualified(parts[parts.length - 1]);
      return parts.join(' ');
    }
    default:
      return value;
  }
}

function fullyQualified(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** Checks a value's shape for its type; returns what is expected, or undefined when it is fine. */
export function recordValueProblem(type: RecordType, value: string): string | undefined {
  switch (type) {
    case 'MX':
      return /^\d{1,5}\s+\S+$/.test(value.trim()) ? undefined : 'expected "<priority> <mail host>", e.g. "10 mail.example.com."';
    case 'SRV':
      return /^\d+\s+\d+\s+\d+\s+\S+$/.test(value.trim()) ? undefined : 'expected "<priority> <weight> <port> <target>"';
    case 'CNAME':
      return /^[a-z0-9.-]+\.?$/i.test(value) ? undefined : 'expected a host name, e.g. "www.example.com."';
    case 'A':
      return /^(\d{1,3}\.){3}\d{1,3}$/.test(value) ? undefined : 'expected an IPv4 address';
    case 'AAAA':
      return value.includes(':') ? undefined : 'expected an IPv6 address';
    default:
      return undefined;
  }
}
