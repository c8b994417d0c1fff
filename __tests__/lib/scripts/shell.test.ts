// Shell quoting: whatever a model holds reaches bash as exactly one word with exactly its bytes.
import { spawnSync } from 'node:child_process';
import { shArray, shq } from '../../../lib/scripts/shell';

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

  it('hands bash each awkward value back byte for byte, as one word', () => {
    const script = `words=${shArray(awkward)}\nprintf '%s\\0' "\${words[@]}"\nprintf '%s' "\${#words[@]}" >&2`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(String(awkward.length));
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(awkward);
  });
});
