// Builds every stack of a platform spec into an app: per environment, the `<env>-infra` stack and
// the `<env>-platform` stack that reads the infra stack's hosts.

import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import { PlatformSpec } from '../lib/spec';
import { InfraStack } from './infra-stack';
import { PlatformStack } from './platform-stack';

export function buildPlatform(app: Construct, spec: PlatformSpec): TerraformStack[] {
  const stacks: TerraformStack[] = [];
  for (const environment of spec.environments) {
    const infra = new InfraStack(app, `${environment.name}-infra`, { project: spec.project, environment });
    const platform = new PlatformStack(app, `${environment.name}-platform`, { project: spec.project, environment, infra });
    stacks.push(infra, platform);
  }
  return stacks;
}
