// Shell quoting: whatever a model holds reaches bash as exactly one word with exactly its bytes.
import { spawnSync } from 'node:child_process';
import { shArray, shWord, shq } from '../../../lib/scripts/shell';

const awkward = [
  '',
  'plain',
  'with space',
  "it's",
  "''",
  '"double"',
  '$HOME and ${PATH} and $(reboot) and `reboot`',
  'glob * ? [a-z]',
  'back\\slash\\',
  'new\nline',
  'tab\there',
  '; rm -rf / #',
  'unicode ✓ ñ',
  '-n',
];

describe('shq', () => {
  it('wraps in single quotes and escapes embedded ones', () => {
    expect(shq('plain')).toBe("'plain'");
    expect(shq("it's")).toBe("'it'\\''s'");
    expect(shq('')).toBe("''");
    expect(shq(42)).toBe("'42'");
  });

  it('leaves plain words bare and quotes the rest', () => {
    expect(shWord('/usr/local/sbin/mambo-backup')).toBe('/usr/local/sbin/mambo-backup');
    expect(shWord('--yes')).toBe('--yes');
    expect(shWord('a b')).toBe("'a b'");
    expect(shWord('')).toBe("''");
    expect(shWord('100%')).toBe("'100%'");
    expect(shWord('A=b')).toBe("'A=b'");
  });

  it('hands bash each awkward value back byte for byte, as one word', () => {
    const script = `words=${shArray(awkward)}\nprintf '%s\\0' "\${words[@]}"\nprintf '%s' "\${#words[@]}" >&2`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(String(awkward.length));
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(awkward);
  });
});
