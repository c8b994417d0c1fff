// Builds every stack of a platform spec into an app: one `<env>-infra` stack per environment (and,
// as later parts land, its `<env>-platform` stack reading the infra stack's hosts).

import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import { PlatformSpec } from '../lib/spec';
import { InfraStack } from './infra-stack';

export function buildPlatform(app: Construct, spec: PlatformSpec): TerraformStack[] {
  const stacks: TerraformStack[] = [];
  for (const environment of spec.environments) {
    const infra = new InfraStack(app, `${environment.name}-infra`, { project: spec.project, environment });
    stacks.push(infra);
  }
  return stacks;
}
