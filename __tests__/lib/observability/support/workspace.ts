// Temporary directories for rendered files, and the yamllint call every rendered YAML file goes through.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../support/tools';

export const YAMLLINT_CONFIG = join(__dirname, '..', '.yamllint');

/** A fresh directory under the system temp dir; `remove()` deletes it and everything in it. */
export function workspace(prefix: string): { dir: string; write(name: string, content: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `mambo-${prefix}-`));
  return {
    dir,
    write(name: string, content: string): string {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** yamllint's verdict on files, with its output for the assertion message. */
export function yamllint(...paths: string[]): { status: number | null; output: string } {
  const result = run('yamllint', ['-f', 'parsable', '-c', YAMLLINT_CONFIG, ...paths]);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
