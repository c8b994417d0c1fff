// Loads platform.yaml: parse with `yaml`, validate with the zod schema, fill defaults, check the
// rules that span fields, and hand back a typed PlatformSpec. Any problem is one ConfigError.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { closest } from 'fastest-levenshtein';
import { Document, isMap, isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

import { ConfigError, describeFound, joinPath } from './config-error';
import { PlatformConfig, platformSchema } from './config-schema';
import { AppDefinition } from './app-definition';
import { PlatformSpec, resolvePlatform } from './spec';

/** App definitions `apps.<name>.from` may name; main.ts passes the ones in apps/. */
export type AppDefinitions = Readonly<Record<string, AppDefinition>>;

/** The default platform description shipped with the package (beside lib/ in the repo, beside dist/ once built). */
export const DEFAULT_CONFIG_FILE = [path.join(__dirname, '..', 'platform.yaml'), path.join(__dirname, '..', '..', 'platform.yaml')]
  .find((candidate) => existsSync(candidate)) ?? path.join(__dirname, '..', 'platform.yaml');

/** Environment variable that selects another config file; `--config <file>` does the same. */
export const CONFIG_ENV_VAR = 'MAMBO_CONFIG';

/**
 * Which file to load: `--config <file>` wins over $MAMBO_CONFIG, which wins over the default. A flag
 * without a value, or one that is not `--config`, is an error rather than a silent default.
 */
export function configFileFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const flags = argv.filter((arg) => arg.startsWith('--'));
  const unknown = flags.find((arg) => arg !== '--config' && !arg.startsWith('--config='));
  if (unknown) throw new ConfigError('(command line)', '', `the option ${unknown}`, 'expected only --config <file>');

  const flag = argv.indexOf('--config');
  if (flag !== -1) {
    const value = argv[flag + 1];
    if (!value || value.startsWith('--')) throw new ConfigError('(command line)', '', '--config without a file', 'expected --config <file>');
    return path.resolve(value);
  }
  const inline = argv.find((arg) => arg.startsWith('--config='));
  if (inline) {
    if (inline === '--config=') throw new ConfigError('(command line)', '', '--config= without a file', 'expected --config=<file>');
    return path.resolve(inline.slice('--config='.length));
  }
  if (env[CONFIG_ENV_VAR]) return path.resolve(env[CONFIG_ENV_VAR] as string);
  return DEFAULT_CONFIG_FILE;
}

export function loadPlatformFile(file: string, appDefinitions: AppDefinitions = {}): PlatformSpec {
  if (!existsSync(file)) {
    throw new ConfigError(file, '', 'no such file', `expected a platform.yaml at this path (set ${CONFIG_ENV_VAR} or --config)`);
  }
  return loadPlatformText(readFileSync(file, 'utf8'), file, appDefinitions);
}

export function loadPlatformText(text: string, file: string, appDefinitions: AppDefinitions = {}): PlatformSpec {
  const located = parseLocated(text, file);
  refuseInlineSecrets(located.document.toJS(), [], located);
  const config = validate(located);
  return resolvePlatform(config, (where, found, expected) => located.error(where, found, expected), appDefinitions);
}

/** A parsed document that can turn a path inside it into a ConfigError with line and column. */
export interface LocatedDocument {
  readonly document: Document;
  error(where: ReadonlyArray<PropertyKey>, found: string, expected: string): ConfigError;
}

function parseLocated(text: string, file: string): LocatedDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });

  const located: LocatedDocument = {
    document,
    error(where, found, expected) {
      const position = positionOf(document, lineCounter, where);
      return new ConfigError(file, joinPath(where), found, expected, position);
    },
  };

  const [syntaxError] = document.errors;
  if (syntaxError) {
    const [line, column] = syntaxError.linePos?.[0] ? [syntaxError.linePos[0].line, syntaxError.linePos[0].col] : [0, 0];
    const found = syntaxError.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, '', `invalid YAML (${found})`, 'expected a valid YAML document', line ? { line, column } : undefined);
  }
  if (!isMap(document.contents)) {
    throw located.error([], describeFound(document.toJS()), 'expected a mapping with `environments`');
  }
  return located;
}

function positionOf(document: Document, lineCounter: LineCounter, where: ReadonlyArray<PropertyKey>) {
  // Walk up from the full path until a node exists: a missing key is reported at its parent.
  for (let depth = where.length; depth >= 0; depth--) {
    const node = document.getIn(where.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}

// Keys that would hold a secret value. The config names environment variables instead (`tokenEnv`).
const SECRET_KEY = /(token|password|passwd|secret|api[-_]?key|private[-_]?key)$/i;

// Values never to echo, wherever they appear: private keys, and whatever is in a field that should
// only name an environment variable (people paste the token itself there).
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const NAMES_A_VARIABLE = /Env$/;

function refuseInlineSecrets(value: unknown, where: PropertyKey[], located: LocatedDocument): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => refuseInlineSecrets(item, [...where, index], located));
    return;
  }
  if (value === null || typeof value !== 'object') return;

  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'string' && PRIVATE_KEY.test(child)) {
      throw located.error([...where, key], 'a private key (not shown)', 'expected no private key in the config; only public keys and names of environment variables belong here');
    }
    if (SECRET_KEY.test(key) && typeof child === 'string') {
      const inEnv = where[where.length - 1] === 'env';
      const expected = inEnv && where[where.length - 3] === 'companions'
        // Companions have no `secrets`: only a postgres companion's password, which Terraform generates.
        ? 'expected no secret in a companion\'s env: companions take no secrets (a postgres companion\'s password is generated)'
        : inEnv
          ? `expected \`${key}\` listed under the app's \`secrets\`, so a sensitive Terraform variable feeds it`
          : secretFieldHint(where, key);
      throw located.error([...where, key], 'a secret written inline (value not shown)', expected);
    }
    refuseInlineSecrets(child, [...where, key], located);
  }
}

/** What to write instead of a secret: the closest field here that names an environment variable, if there is one. */
function secretFieldHint(where: ReadonlyArray<PropertyKey>, key: string): string {
  const fields = knownKeysAt(where.map((part) => (typeof part === 'number' ? 0 : part))).filter((field) => field.endsWith('Env'));
  return fields.length > 0
    ? `expected \`${closest(`${key}Env`, fields)}\` naming the environment variable (TF_VAR_…) that holds it; never the value`
    : 'expected no secret values in platform.yaml: secrets come from sensitive variables (see the configuration reference)';
}

function validate(located: LocatedDocument): PlatformConfig {
  const raw = located.document.toJS();
  const result = platformSchema.safeParse(raw);
  if (result.success) return result.data;

  const issue = firstIssue(result.error.issues);
  if (issue.code === 'unrecognized_keys') {
    const [key] = issue.keys;
    const known = knownKeysAt(issue.path);
    const suggestion = known.length > 0
      ? `expected one of the known keys (did you mean \`${closest(key, known)}\`?): ${known.join(', ')}`
      : 'expected no key here; remove it';
    throw located.error([...issue.path, key], `unknown key \`${key}\``, suggestion);
  }

  const value = valueAt(raw, issue.path);
  const key = issue.path[issue.path.length - 1];
  // A field that names a variable, or holds a key, may hold a pasted secret: describe it, don't show it.
  const hidden = typeof value === 'string' && typeof key === 'string' && (NAMES_A_VARIABLE.test(key) || /key$/i.test(key));
  const found = hidden ? `a value of ${value.length} characters (not shown)`
    : issue.code === 'invalid_key' ? `the name ${JSON.stringify(key)}` : describeFound(value);
  throw located.error(issue.path, found, expectedFrom(issue, value));
}

// zod reports every problem; the person fixing the file wants the first one in document order,
// and an unknown key before anything else (it usually explains the rest).
function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  return issues.find((issue) => issue.code === 'unrecognized_keys') ?? issues[0];
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer', number: 'a number', string: 'a string', boolean: 'boolean', object: 'a mapping', record: 'a mapping', array: 'a list',
};

function bound(issue: z.core.$ZodIssue & { code: 'too_small' | 'too_big' }): string {
  const { origin } = issue as { origin?: string };
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
  const word = issue.code === 'too_small' ? (inclusive ? 'at least' : 'more than') : (inclusive ? 'at most' : 'less than');
  if (origin === 'array' || origin === 'set') return `expected ${word} ${limit} item${limit === 1 ? '' : 's'}`;
  if (origin === 'string') return `expected ${word} ${limit} characters`;
  if (Math.abs(limit) >= Number.MAX_SAFE_INTEGER) return 'expected a smaller number';
  return `expected a number ${word} ${limit}`;
}

function expectedFrom(issue: z.core.$ZodIssue, value: unknown): string {
  const own = issue.message.startsWith('expected') ? issue.message : undefined;
  if (issue.code === 'invalid_type' && value === undefined) {
    return `${own ?? `expected a value (${TYPE_NAMES[issue.expected] ?? issue.expected})`}; this field is required`;
  }
  if (own) return own;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return bound(issue);
    case 'invalid_key':
      return 'expected a lower-case name: letters, digits and dashes, starting with a letter';
    case 'invalid_format':
      return `expected ${issue.message.replace(/^Invalid /, 'a valid ')}`;
    default:
      return issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
  }
}

function valueAt(root: unknown, where: ReadonlyArray<PropertyKey>): unknown {
  return where.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined), root);
}

function knownKeysAt(where: ReadonlyArray<PropertyKey>): string[] {
  // A union (e.g. a backup remote of kind sftp or s3) is followed down every one of its options.
  let schemas: z.ZodType[] = [platformSchema];
  for (const key of where) {
    schemas = schemas.flatMap(options).flatMap((schema) => {
      if (schema instanceof z.ZodObject) return schema.shape[key as string] ? [schema.shape[key as string] as z.ZodType] : [];
      if (schema instanceof z.ZodRecord) return [schema._zod.def.valueType as z.ZodType];
      if (schema instanceof z.ZodArray) return [schema.element as z.ZodType];
      return [];
    });
  }
  const keys = schemas.flatMap(options).flatMap((schema) => (schema instanceof z.ZodObject ? Object.keys(schema.shape) : []));
  return [...new Set(keys)];
}

function options(schema: z.ZodType): z.ZodType[] {
  const inner = unwrap(schema);
  return inner instanceof z.ZodUnion ? (inner.options as z.ZodType[]).flatMap(options) : [inner];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
    if (def.innerType) current = def.innerType;
    else if (current instanceof z.ZodPipe && def.in) current = def.in;
    else return current;
  }
}
