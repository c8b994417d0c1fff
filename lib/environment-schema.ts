// The fields of platform.yaml that decide how an environment is operated rather than what it runs:
// its tier (production or staging defaults), where its hostnames live, how its secrets are named,
// where Terraform keeps its state, and how the docker provider reaches its hosts.

import { z } from 'zod';

export const ENVIRONMENT_TIERS = ['production', 'staging'] as const;
export type EnvironmentTier = (typeof ENVIRONMENT_TIERS)[number];

/** Placeholders a state location may use: `{project}`, `{env}`, `{stack}` (e.g. `production-infra`) and `{kind}` (`infra`). */
export const STATE_PLACEHOLDERS = ['project', 'env', 'stack', 'kind'] as const;

const placeholdersKnown = (value: string) =>
  [...value.matchAll(/\{([^}]*)\}/g)].every(([, placeholder]) => (STATE_PLACEHOLDERS as readonly string[]).includes(placeholder));
const PLACEHOLDER_HELP = `placeholders ${STATE_PLACEHOLDERS.map((placeholder) => `{${placeholder}}`).join(', ')}`;

/** Must name each stack apart: one state per stack. */
const perStackPattern = (base: z.ZodString, what: string) => base
  .refine(placeholdersKnown, `expected ${what} with only the ${PLACEHOLDER_HELP}`)
  .refine((value) => value.includes('{stack}') || value.includes('{kind}'), `expected ${what} that contains {stack} or {kind}, so each stack keeps its own state`);

const cidr = z.string().regex(/^[0-9a-f.:]+\/\d{1,3}$/i, 'expected a CIDR such as 203.0.113.7/32 or 2001:db8::/48');

const localStateSchema = z.strictObject({
  backend: z.literal('local'),
  /** State file per stack, relative to the project root. @default terraform.{stack}.tfstate (cdktf's own default) */
  path: perStackPattern(z.string().regex(/^[A-Za-z0-9_./{}-]+$/, 'expected a relative file path'), 'a path').optional(),
});

const cloudStateSchema = z.strictObject({
  backend: z.literal('cloud'),
  /** The HCP Terraform / Terraform Enterprise organization. */
  organization: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an organization name: letters, digits, - and _'),
  /** app.terraform.io, or a Terraform Enterprise host. */
  hostname: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/, 'expected a host name such as app.terraform.io').default('app.terraform.io'),
  /** One workspace per stack. */
  workspace: perStackPattern(z.string().regex(/^[A-Za-z0-9_{}-]{1,90}$/, 'expected a workspace name: letters, digits, - and _'), 'a workspace name')
    .default('{project}-{stack}'),
  /** The HCP Terraform project the workspaces belong to. @default the organization's default project */
  project: z.string().min(1).max(40).optional(),
  /** Tags for the workspaces; HCP Terraform takes either a name or tags in the cloud block, so these go to the workspace list. */
  tags: z.array(z.string().regex(/^[a-z0-9{][a-z0-9:_{}-]{0,254}$/, 'expected a lower-case tag such as mambo or env:{env}')
    .refine(placeholdersKnown, `expected a tag with only the ${PLACEHOLDER_HELP}`)).default([]),
});

const s3StateSchema = z.strictObject({
  backend: z.literal('s3'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected a bucket name: 3-63 lower-case letters, digits, dots and dashes'),
  /** Object key per stack. */
  key: perStackPattern(z.string().regex(/^[A-Za-z0-9_./{}-]+$/, 'expected an object key'), 'a key').default('{project}/{stack}.tfstate'),
  /** Hetzner Object Storage location (fsn1, nbg1, hel1) or any region name the endpoint accepts. */
  region: z.string().regex(/^[a-z0-9-]+$/, 'expected a region such as fsn1').default('fsn1'),
  /** The S3 endpoint. @default https://<region>.your-objectstorage.com (Hetzner Object Storage) */
  endpoint: z.string().regex(/^https:\/\/[a-z0-9.-]+(:\d+)?\/?$/, 'expected an https endpoint such as https://fsn1.your-objectstorage.com').optional(),
  /** Address buckets as https://endpoint/bucket. */
  usePathStyle: z.boolean().default(true),
  /** The AWS-only checks an S3-compatible store cannot answer; all skipped by default. */
  skipCredentialsValidation: z.boolean().default(true),
  skipRegionValidation: z.boolean().default(true),
  skipRequestingAccountId: z.boolean().default(true),
  skipMetadataApiCheck: z.boolean().default(true),
  skipS3Checksum: z.boolean().default(true),
  /** Lock with a lock object beside the state (Terraform >= 1.10; the store must honour conditional writes). */
  useLockfile: z.boolean().default(false),
});

export const stateSchema = z.discriminatedUnion('backend', [localStateSchema, cloudStateSchema, s3StateSchema], {
  error: 'expected `backend: local`, `backend: cloud` or `backend: s3` with their fields',
});

export type StateConfig = z.output<typeof stateSchema>;
export type CloudStateConfig = z.output<typeof cloudStateSchema>;
export type S3StateConfig = z.output<typeof s3StateSchema>;

export const dockerAccessSchema = z.strictObject({
  /**
   * `ssh`: ssh://<deploy user>@<host>:22, with the key from the ssh agent or `ssh.identityFile`.
   * `tls`: tcp://<host>:<port> with client certificates from sensitive variables, for runs that have no
   * SSH key at hand (HCP Terraform remote runs).
   */
  transport: z.enum(['ssh', 'tls']).default('ssh'),
  ssh: z.strictObject({
    /** A private key file on the machine that runs Terraform (a self-hosted agent); passed as `ssh -i`. @default the ssh agent */
    identityFile: z.string().regex(/^(~|\/)[^\s]*$/, 'expected an absolute path (or ~/...) to a private key file').optional(),
  }).prefault({}),
  tls: z.strictObject({
    port: z.int().min(1).max(65535).default(2376),
    /** Who may reach the TLS port; HCP Terraform's hosted runners have no published addresses. */
    allowedCidrs: z.array(cidr).min(1).default(['0.0.0.0/0', '::/0']),
  }).prefault({}),
}).prefault({});

export type DockerAccessConfig = z.output<typeof dockerAccessSchema>;

/** Spread into the environment schema (config-schema.ts). */
export const environmentOperationsShape = {
  /**
   * `production` or `staging`: decides the defaults of the fields below and of Let's Encrypt, host backups
   * and protection, and retention. @default `staging` for an environment named staging, else `production`
   */
  tier: z.enum(ENVIRONMENT_TIERS).optional(),
  /**
   * Label(s) between a short hostname and the primary domain: `staging` serves grafana.staging.<domain>.
   * `""` for none. @default the environment's name for a staging tier, none for production
   */
  hostnameSuffix: z.string().regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)?$/, 'expected a DNS label such as staging, or ""').optional(),
  /**
   * Prefix of every Terraform variable of the platform stack, so a TF_VAR_ meant for one environment never feeds
   * another. @default none for the environment named production, `<env>_` for the others
   */
  variablePrefix: z.string().regex(/^([a-z][a-z0-9_]*_)?$/, 'expected a lower-case prefix ending in _ (such as staging_), or ""').optional(),
  /** Where Terraform keeps the state of the environment's stacks. @default local files */
  state: stateSchema.default({ backend: 'local' }),
  /** How the docker provider reaches the hosts. */
  docker: dockerAccessSchema,
};
