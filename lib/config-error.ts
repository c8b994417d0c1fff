// The one error a bad platform.yaml produces: which file, where in it, what was found, what is expected.

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    /** Dotted path inside the document, e.g. `environments.production.hosts.main.serverType`. */
    readonly path: string,
    readonly found: string,
    readonly expected: string,
    /** 1-based line and column of the offending node, when the document locates it. */
    readonly position?: { readonly line: number; readonly column: number },
  ) {
    const where = position ? `${file}:${position.line}:${position.column}` : file;
    super(`${where}: ${path || '(document)'}: found ${found}; ${expected}`);
    this.name = 'ConfigError';
  }
}

/** Renders a found value briefly and safely for an error message. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return `a mapping with keys ${Object.keys(value).join(', ') || '(none)'}`;
  return String(value);
}

export function joinPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.').replace(/\.\[/g, '[');
}
