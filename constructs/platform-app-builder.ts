// Builds every stack of a platform spec into an app: per environment, the `<env>-infra` stack and
// the `<env>-platform` stack that reads the infra stack's hosts.

import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import { PlatformSpec } from '../lib/spec';
import { stackBackend } from '../lib/state-backend';
import { InfraStack } from './infra-stack';
import { PlatformStack } from './platform-stack';
import { assertVariablesApart } from './stack-variables';
import { addStateBackend } from './state-backend';

export function buildPlatform(app: Construct, spec: PlatformSpec): TerraformStack[] {
  const stacks: TerraformStack[] = [];
  const byEnvironment = new Map<string, TerraformStack[]>();
  for (const environment of spec.environments) {
    const at = { project: spec.project, environment: environment.name };
    const infra = new InfraStack(app, `${environment.name}-infra`, { project: spec.project, environment });
    addStateBackend(infra, stackBackend(environment.state, { ...at, kind: 'infra' }));
    const platform = new PlatformStack(app, `${environment.name}-platform`, { project: spec.project, environment, infra });
    addStateBackend(platform, stackBackend(environment.state, { ...at, kind: 'platform' }));
    stacks.push(infra, platform);
    byEnvironment.set(environment.name, [infra, platform]);
  }

  // Shared only as the config says: a common variablePrefix, or one Hetzner token named in both.
  const environmentNamed = (name: string) => spec.environments.find((environment) => environment.name === name)!;
  const tokenVariable = (name: string) => environmentNamed(name).hcloud.tokenEnv.replace(/^TF_VAR_/, '');
  assertVariablesApart(byEnvironment, (a, b, variable) => environmentNamed(a).variablePrefix === environmentNamed(b).variablePrefix
    || (tokenVariable(a) === variable && tokenVariable(b) === variable));
  return stacks;
}
