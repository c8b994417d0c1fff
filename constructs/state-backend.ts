// Gives a stack the state backend its environment asks for. cdktf derives the platform stack's
// terraform_remote_state data source from the infra stack's backend, so cross-stack references work
// with each kind: a local file, a named HCP Terraform workspace, an S3 object.

import * as path from 'node:path';

import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformBackend, TerraformStack } from 'cdktf';

import { StackBackend } from '../lib/state-backend';

/**
 * Adds the backend to the stack, before anything refers across stacks (cdktf adds a local backend to a
 * stack that has none when a reference first needs one). Returns undefined for cdktf's own default.
 */
export function addStateBackend(stack: TerraformStack, backend: StackBackend): TerraformBackend | undefined {
  switch (backend.kind) {
    case 'local':
      // Relative to the project root, as cdktf's default is; Terraform runs inside cdktf.out/stacks/<stack>.
      return backend.path === undefined ? undefined : new LocalBackend(stack, { path: path.resolve(backend.path) });

    case 'cloud':
      // A named workspace, not tags: the platform stack's remote state data source needs the name.
      return new CloudBackend(stack, {
        organization: backend.organization,
        hostname: backend.hostname,
        workspaces: new NamedCloudWorkspace(backend.workspace, backend.project),
      });

    case 's3': {
      // Access keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment, never from here.
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        endpoints: { s3: backend.endpoint },
        usePathStyle: backend.usePathStyle,
        skipCredentialsValidation: backend.skipCredentialsValidation,
        skipRegionValidation: backend.skipRegionValidation,
        skipRequestingAccountId: backend.skipRequestingAccountId,
        skipMetadataApiCheck: backend.skipMetadataApiCheck,
        skipS3Checksum: backend.skipS3Checksum,
      });
      // Not in cdktf 0.21's S3BackendConfig (Terraform >= 1.10); the remote state data source takes no lock.
      if (backend.useLockfile) s3.addOverride('use_lockfile', true);
      return s3;
    }
  }
}
