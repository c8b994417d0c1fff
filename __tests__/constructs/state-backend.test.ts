// Each state backend's JSON, and the terraform_remote_state data source cdktf derives from the infra
// stack's backend for the platform stack's cross-stack reference.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { App, Testing } from 'cdktf';

import { buildPlatform } from '../../constructs/platform-app-builder';
import { cloudWorkspaces, expandStatePattern } from '../../lib/state-backend';
import { PRODUCTION, specOf } from '../support/platform';

function synthWithState(state: Record<string, unknown> | undefined) {
  const app = Testing.app() as App;
  buildPlatform(app, specOf((document) => {
    if (state) document.setIn([...PRODUCTION, 'state'], state);
  }));
  app.synth();
  const read = (id: string) => readFileSync(path.join(app.outdir, 'stacks', id, 'cdk.tf.json'), 'utf8').split(process.cwd()).join('<project>');
  const text = { infra: read('production-infra'), platform: read('production-platform') };
  const infra = JSON.parse(text.infra);
  const platform = JSON.parse(text.platform);
  const remoteState = Object.values<any>(platform.data.terraform_remote_state);
  expect(remoteState).toHaveLength(1);
  return { infra, platform, text, remoteState: remoteState[0] };
}

describe('local state (the default)', () => {
  const { infra, platform, remoteState } = synthWithState(undefined);

  it('keeps cdktf\'s terraform.<stack>.tfstate at the project root', () => {
    expect(infra.terraform.backend.local.path).toBe('<project>/terraform.production-infra.tfstate');
    expect(platform.terraform.backend.local.path).toBe('<project>/terraform.production-platform.tfstate');
  });

  it('reads the infra stack\'s outputs from that file', () => {
    expect(remoteState).toMatchObject({ backend: 'local', config: { path: '<project>/terraform.production-infra.tfstate' } });
  });

  it('takes a path per stack from the config', () => {
    const custom = synthWithState({ backend: 'local', path: 'state/{env}/{kind}.tfstate' });
    expect(custom.infra.terraform.backend.local.path).toBe('<project>/state/production/infra.tfstate');
    expect(custom.remoteState.config.path).toBe('<project>/state/production/infra.tfstate');
  });
});

describe('HCP Terraform (cloud block)', () => {
  const { infra, platform, remoteState, text } = synthWithState({ backend: 'cloud', organization: 'acme', project: 'mambo', tags: ['mambo', 'env:{env}'] });

  it('names one workspace per stack, in the organization and project', () => {
    expect(infra.terraform.cloud).toEqual({ organization: 'acme', hostname: 'app.terraform.io', workspaces: { name: 'mambo-production-infra', project: 'mambo' } });
    expect(platform.terraform.cloud.workspaces.name).toBe('mambo-production-platform');
    expect(infra.terraform.backend).toBeUndefined();
  });

  it('reads the infra workspace\'s outputs through the remote backend, with no token in the JSON', () => {
    expect(remoteState).toEqual({ backend: 'remote', config: { organization: 'acme', hostname: 'app.terraform.io', workspaces: { name: 'mambo-production-infra' } } });
    expect(text.platform).not.toMatch(/"token"/);
  });

  it('lists the workspaces with their tags and the state sharing the platform workspace needs', () => {
    const spec = specOf((document) => document.setIn([...PRODUCTION, 'state'], { backend: 'cloud', organization: 'acme', tags: ['mambo', 'env:{env}'] }));
    expect(cloudWorkspaces(spec.environments[0].state, 'mambo', 'production')).toEqual([
      { stack: 'production-infra', organization: 'acme', workspace: 'mambo-production-infra', project: undefined, tags: ['mambo', 'env:production'], sharesStateWith: ['mambo-production-platform'] },
      { stack: 'production-platform', organization: 'acme', workspace: 'mambo-production-platform', project: undefined, tags: ['mambo', 'env:production'], sharesStateWith: [] },
    ]);
  });
});

describe('S3-compatible storage (Hetzner Object Storage)', () => {
  const { infra, platform, remoteState, text } = synthWithState({ backend: 's3', bucket: 'mambo-state', region: 'nbg1', useLockfile: true });
  const expected = {
    bucket: 'mambo-state',
    key: 'mambo/production-infra.tfstate',
    region: 'nbg1',
    endpoints: { s3: 'https://nbg1.your-objectstorage.com' },
    use_path_style: true,
    skip_credentials_validation: true,
    skip_region_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_s3_checksum: true,
  };

  it('keeps one object per stack at the location\'s endpoint, skipping the AWS-only checks', () => {
    expect(infra.terraform.backend.s3).toEqual({ ...expected, use_lockfile: true });
    expect(platform.terraform.backend.s3.key).toBe('mambo/production-platform.tfstate');
  });

  it('reads the infra stack\'s object for the cross-stack reference', () => {
    expect(remoteState).toEqual({ backend: 's3', config: expected, workspace: '${terraform.workspace}' });
  });

  it('writes no credentials: they come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY', () => {
    for (const json of [text.infra, text.platform]) expect(json).not.toMatch(/access_key|secret_key|"token"/);
  });

  it('takes another endpoint and key pattern', () => {
    const custom = synthWithState({ backend: 's3', bucket: 'state', endpoint: 'https://s3.example.com', key: 'tf/{project}-{stack}.json', usePathStyle: false });
    expect(custom.infra.terraform.backend.s3).toMatchObject({ endpoints: { s3: 'https://s3.example.com' }, key: 'tf/mambo-production-infra.json', use_path_style: false });
  });
});

it('expands the placeholders of a state location', () => {
  expect(expandStatePattern('{project}/{env}/{kind}/{stack}', { project: 'mambo', environment: 'staging', kind: 'platform' }))
    .toBe('mambo/staging/platform/staging-platform');
});
