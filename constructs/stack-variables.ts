// The Terraform variables a stack declares (every one is a secret the run must be given as TF_VAR_<name>),
// and the check that two environments never declare the same one.

import { TerraformStack, TerraformVariable } from 'cdktf';

/** Names of the variables a stack declares, sorted. */
export function variablesOf(stack: TerraformStack): string[] {
  return stack.node.findAll()
    .filter((construct): construct is TerraformVariable => construct instanceof TerraformVariable)
    .map((variable) => variable.friendlyUniqueId)
    .sort();
}

/**
 * Throws when stacks of different environments declare the same variable: one TF_VAR_ would feed both.
 * `sharing(a, b, variable)` says which the config lets two environments share (a common variablePrefix,
 * the same explicit hcloud.tokenEnv).
 */
export function assertVariablesApart(
  stacksByEnvironment: ReadonlyMap<string, readonly TerraformStack[]>,
  sharing: (a: string, b: string, variable: string) => boolean = () => false,
): void {
  const owner = new Map<string, { environment: string; stack: string }>();
  for (const [environment, stacks] of stacksByEnvironment) {
    for (const stack of stacks) {
      for (const variable of variablesOf(stack)) {
        const other = owner.get(variable);
        if (other && other.environment !== environment && !sharing(other.environment, environment, variable)) {
          throw new Error(`${stack.node.id}: variable "${variable}" is declared by ${other.stack} too, so TF_VAR_${variable} would feed ` +
            'both environments; expected every variable of an environment to carry its variablePrefix');
        }
        if (!other) owner.set(variable, { environment, stack: stack.node.id });
      }
    }
  }
}
