// How a platform stack's docker providers reach the hosts, from the environment's `docker` config: SSH as
// the deploy user (the runner's ssh agent, or a key file on a self-hosted agent), or Docker's TLS port
// with client certificates from sensitive variables, for HCP Terraform runs that hold no SSH key.

import { TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';

import { EnvironmentSpec } from '../lib/spec';
import { DEFAULT_SSH_OPTIONS, DockerHostProps } from './docker-host';

/** The DockerHost props that decide the transport. */
export type DockerAccess = Pick<DockerHostProps, 'sshOptions' | 'tls'>;

/**
 * The TLS variables are declared once per stack, named with the environment's prefix
 * (`staging_docker_tls_ca_pem` …): PEM text that Terraform passes to the provider and never writes out.
 */
// Limitation: with `tls`, the stacks open the port in the host firewall and configure the provider, but
// cloud-init does not yet make dockerd listen on it: a host needs `tlsverify` with its server certificate
// in /etc/docker/daemon.json (and no `-H fd://` in the unit) by hand. A cloud-init part fed by sensitive
// variables of the infra stack would lift it.
export function dockerAccessFor(scope: Construct, environment: EnvironmentSpec): DockerAccess {
  const { docker } = environment;
  if (docker.transport === 'tls') {
    const pem = (name: string, what: string) => new TerraformVariable(scope, `${environment.variablePrefix}docker_tls_${name}`, {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: `${what} (PEM) for the hosts' Docker TLS port`,
    }).stringValue;
    return {
      tls: {
        port: docker.tls.port,
        caMaterial: pem('ca_pem', 'CA certificate that signed the Docker daemons\' certificates'),
        certMaterial: pem('cert_pem', 'Client certificate'),
        keyMaterial: pem('key_pem', 'Client private key'),
      },
    };
  }
  if (docker.ssh.identityFile) {
    // IdentitiesOnly: an agent with many keys would otherwise use up the server's MaxAuthTries first.
    return { sshOptions: ['-i', docker.ssh.identityFile, '-o', 'IdentitiesOnly=yes', ...DEFAULT_SSH_OPTIONS] };
  }
  return {};
}
