// Where Terraform keeps each stack's state, resolved from an environment's `state` config: local files
// (cdktf's default), an HCP Terraform workspace per stack, or an object per stack in S3-compatible storage
// (Hetzner Object Storage). Credentials never appear here: they come from the environment of the run.

import { StateConfig } from './environment-schema';

/** The two stacks of an environment. */
export type StackKind = 'infra' | 'platform';

export interface LocalStackBackend {
  readonly kind: 'local';
  /** Relative to the project root; undefined keeps cdktf's `terraform.<stack>.tfstate`. */
  readonly path?: string;
}

export interface CloudStackBackend {
  readonly kind: 'cloud';
  readonly organization: string;
  readonly hostname: string;
  readonly workspace: string;
  readonly project?: string;
  /** For the workspace itself (set where the workspace is created); the cloud block takes a name or tags, not both. */
  readonly tags: readonly string[];
}

export interface S3StackBackend {
  readonly kind: 's3';
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly endpoint: string;
  readonly usePathStyle: boolean;
  readonly skipCredentialsValidation: boolean;
  readonly skipRegionValidation: boolean;
  readonly skipRequestingAccountId: boolean;
  readonly skipMetadataApiCheck: boolean;
  readonly skipS3Checksum: boolean;
  readonly useLockfile: boolean;
}

export type StackBackend = LocalStackBackend | CloudStackBackend | S3StackBackend;

/** Where a stack is: `{project}`, `{env}`, `{stack}` (`production-infra`) and `{kind}` (`infra`). */
export interface StackCoordinates {
  readonly project: string;
  readonly environment: string;
  readonly kind: StackKind;
}

export function stackName(environment: string, kind: StackKind): string {
  return `${environment}-${kind}`;
}

export function expandStatePattern(pattern: string, at: StackCoordinates): string {
  const values: Record<string, string> = { project: at.project, env: at.environment, stack: stackName(at.environment, at.kind), kind: at.kind };
  return pattern.replace(/\{([a-z]+)\}/g, (whole, placeholder: string) => values[placeholder] ?? whole);
}

/** Hetzner Object Storage's endpoint for a location such as fsn1. */
export function hetznerObjectStorageEndpoint(region: string): string {
  return `https://${region}.your-objectstorage.com`;
}

export function stackBackend(state: StateConfig, at: StackCoordinates): StackBackend {
  switch (state.backend) {
    case 'local':
      return { kind: 'local', path: state.path === undefined ? undefined : expandStatePattern(state.path, at) };
    case 'cloud':
      return {
        kind: 'cloud',
        organization: state.organization,
        hostname: state.hostname,
        workspace: expandStatePattern(state.workspace, at),
        project: state.project,
        tags: state.tags.map((tag) => expandStatePattern(tag, at)),
      };
    case 's3':
      return {
        kind: 's3',
        bucket: state.bucket,
        key: expandStatePattern(state.key, at),
        region: state.region,
        endpoint: state.endpoint ?? hetznerObjectStorageEndpoint(state.region),
        usePathStyle: state.usePathStyle,
        skipCredentialsValidation: state.skipCredentialsValidation,
        skipRegionValidation: state.skipRegionValidation,
        skipRequestingAccountId: state.skipRequestingAccountId,
        skipMetadataApiCheck: state.skipMetadataApiCheck,
        skipS3Checksum: state.skipS3Checksum,
        useLockfile: state.useLockfile,
      };
  }
}

/** What a person or a script must know to set up the HCP Terraform workspaces of an environment. */
export interface CloudWorkspacePlan {
  readonly stack: string;
  readonly organization: string;
  readonly workspace: string;
  readonly project?: string;
  readonly tags: readonly string[];
  /** Workspaces that read this one's outputs through terraform_remote_state: share its state with them. */
  readonly sharesStateWith: readonly string[];
}

/** The workspaces of an environment on the cloud backend, with the state sharing the platform stack needs. */
export function cloudWorkspaces(state: StateConfig, project: string, environment: string): CloudWorkspacePlan[] {
  if (state.backend !== 'cloud') return [];
  const backendOf = (kind: StackKind) => stackBackend(state, { project, environment, kind }) as CloudStackBackend;
  const [infra, platform] = [backendOf('infra'), backendOf('platform')];
  return [infra, platform].map((backend, index) => ({
    stack: stackName(environment, index === 0 ? 'infra' : 'platform'),
    organization: backend.organization,
    workspace: backend.workspace,
    project: backend.project,
    tags: backend.tags,
    sharesStateWith: index === 0 ? [platform.workspace] : [],
  }));
}
