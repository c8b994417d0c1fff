// The one way the observability renderers write YAML: through the `yaml` package, never by
// concatenating strings, with YAML 1.1 quoting because every consumer here parses with Go's yaml.v2/v3.
import { stringify } from 'yaml';

/**
 * Serialises a config document. YAML 1.1 rules quote strings such as `yes`, `off` or `2024-01-01`
 * that a Go parser would otherwise read as booleans or timestamps; no line folding, so long PromQL
 * expressions stay on one line where people grep for them.
 */
export function renderYaml(document: unknown, header?: string): string {
  const body = stringify(document, {
    version: '1.1', lineWidth: 0, indent: 2, indentSeq: true, aliasDuplicateObjects: false,
  });
  if (header === undefined) return body;

  const comment = header.split('\n').map((line) => (line === '' ? '#' : `# ${line}`)).join('\n');
  return `${comment}\n${body}`;
}
