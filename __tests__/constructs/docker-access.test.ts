// How the docker providers reach the hosts: SSH through the agent by default, a key file for a
// self-hosted agent, or Docker's TLS port with client certificates from sensitive variables.
import { PRODUCTION, buildEnvironment } from '../support/platform';

const providerOf = (json: any) => json.provider.docker[0];

describe('docker access', () => {
  it('uses SSH as the deploy user through the ssh agent by default', () => {
    const provider = providerOf(buildEnvironment().platformConfig);
    expect(provider.host).toMatch(/^ssh:\/\/deploy@\$\{data\.terraform_remote_state\..+\}:22$/);
    expect(provider.ssh_opts).toEqual(['-o', 'StrictHostKeyChecking=accept-new', '-o', 'ServerAliveInterval=30']);
    expect(provider.ca_material).toBeUndefined();
  });

  it('passes a key file to ssh for a self-hosted agent', () => {
    const { platformConfig } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'docker', 'ssh', 'identityFile'], '/home/agent/.ssh/mambo'));
    expect(providerOf(platformConfig).ssh_opts.slice(0, 4)).toEqual(['-i', '/home/agent/.ssh/mambo', '-o', 'IdentitiesOnly=yes']);
  });

  it('reaches Docker\'s TLS port with client certificates from sensitive variables, and opens it in the firewall', () => {
    const { platformConfig, infraJson } = buildEnvironment((document) => document.setIn([...PRODUCTION, 'docker'], { transport: 'tls', tls: { allowedCidrs: ['0.0.0.0/0'] } }));
    const provider = providerOf(platformConfig);
    expect(provider.host).toMatch(/^tcp:\/\/\$\{.+\}:2376$/);
    expect(provider).toMatchObject({ ca_material: '${var.docker_tls_ca_pem}', cert_material: '${var.docker_tls_cert_pem}', key_material: '${var.docker_tls_key_pem}' });
    expect(provider.ssh_opts).toBeUndefined();
    for (const name of ['docker_tls_ca_pem', 'docker_tls_cert_pem', 'docker_tls_key_pem']) {
      expect(platformConfig.variable[name]).toMatchObject({ sensitive: true, nullable: false });
    }
    const [firewall] = Object.values<any>(JSON.parse(infraJson).resource.hcloud_firewall);
    expect(firewall.rule).toContainEqual(expect.objectContaining({ direction: 'in', protocol: 'tcp', port: '2376', source_ips: ['0.0.0.0/0'] }));
  });

  it('names staging\'s TLS variables with its prefix', () => {
    const { platformConfig } = buildEnvironment((document) => document.setIn(['environments', 'staging', 'docker'], { transport: 'tls' }), 'staging');
    expect(providerOf(platformConfig).ca_material).toBe('${var.staging_docker_tls_ca_pem}');
  });
});
