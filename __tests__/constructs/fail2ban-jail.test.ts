// The edge's jail on the host: a null_resource that writes the filter, the jail, the start order and
// log rotation as root over SSH, re-runs only when what it installs changes, and fails the deploy
// when fail2ban did not load the jail; the edge writes the log where the jail reads it.
import { createHash } from 'node:crypto';

import { Testing, TerraformStack } from 'cdktf';
import { NullProvider } from '@cdktf/provider-null/lib/provider';

import { DockerHost } from '../../constructs/docker-host';
import { Fail2banJail } from '../../constructs/fail2ban-jail';
import { traefikAuthHostFiles } from '../../lib/fail2ban';
import { SERVER_TYPES } from '../../lib/hetzner-catalog';
import { buildEnvironment, containerNamed, PRODUCTION, resourcesOf } from '../support/platform';

const jailOf = (config: any) => Object.values<any>(resourcesOf(config, 'null_resource'))
  .find((resource) => resource['//'].metadata.path.endsWith('/fail2ban-main/install'));

describe('the traefik-auth jail of the default platform', () => {
  const { platformConfig } = buildEnvironment();
  const jail = jailOf(platformConfig);

  it('connects as root through the ssh agent, to the host the infra stack made', () => {
    expect(jail.connection).toMatchObject({ type: 'ssh', user: 'root', agent: 'true' });
    expect(jail.connection.host).toContain('cross-stack-reference-input-production-infra');
  });

  it('waits for cloud-init, creates the log so the jail can start, writes each file, then reloads and checks the jail', () => {
    const [prepare, ...rest] = jail.provisioner;
    const finish = rest.pop();
    expect(prepare['remote-exec'].inline).toEqual([
      'cloud-init status --wait >/dev/null 2>&1 || true',
      'mkdir -p /etc/fail2ban/filter.d /etc/fail2ban/jail.d /etc/systemd/system/fail2ban.service.d /etc/logrotate.d /var/log/traefik',
      'touch /var/log/traefik/access.log',
    ]);
    expect(rest.map((step: any) => step.file.destination)).toEqual(traefikAuthHostFiles().map((file) => file.path));
    expect(finish['remote-exec'].inline.slice(-3)).toEqual([
      'systemctl enable fail2ban',
      'if systemctl is-active --quiet fail2ban; then fail2ban-client reload; else systemctl restart fail2ban; fi',
      'sleep 2 && fail2ban-client status traefik-auth',
    ]);
  });

  it('never bans the Docker pool or the operators\' SSH networks', () => {
    const jailFile = jail.provisioner.find((step: any) => step.file?.destination === '/etc/fail2ban/jail.d/traefik-auth.local').file.content;
    expect(jailFile).toContain('ignoreip  = 127.0.0.1/8 ::1 172.30.0.0/16 203.0.113.0/24 2001:db8:1::/48\n');
  });

  it('has the edge write its access log into the directory the jail reads', () => {
    const traefik = containerNamed(platformConfig, 'mambo-production-traefik');
    const staticConfig = traefik.upload.find((upload: any) => upload.file === '/etc/traefik/traefik.yml').content;
    expect(staticConfig).toContain('accessLog:\n  filePath: /var/log/traefik/access.log\n  format: json\n');
    expect(traefik.volumes).toContainEqual({ host_path: '/var/log/traefik', container_path: '/var/log/traefik', read_only: false });
  });

  it('re-installs only when what it installs changes: adding an app leaves it alone', () => {
    const withApp = buildEnvironment((document) => document.setIn([...PRODUCTION, 'apps', 'site'], document.createNode({
      image: 'ghcr.io/mambo/site:3.0.0', port: 8080, hostnames: ['site'],
    })));
    expect(jailOf(withApp.platformConfig).triggers).toEqual(jail.triggers);
    const open = buildEnvironment((document) => document.setIn([...PRODUCTION, 'ssh', 'allowedCidrs'], document.createNode(['198.51.100.0/24'])));
    expect(jailOf(open.platformConfig).triggers.files).not.toBe(jail.triggers.files);
  });
});

describe('Fail2banJail', () => {
  it('triggers on a hash of every file\'s path, permissions and content', () => {
    const stack = new TerraformStack(Testing.app(), 'jail');
    new NullProvider(stack, 'null');
    const host = new DockerHost(stack, 'host', { hostName: 'main', namePrefix: 'j', address: '203.0.113.10', serverType: SERVER_TYPES.cax11 });
    const files = [{ path: '/etc/fail2ban/jail.d/x.local', content: '[x]\nenabled = true\n', permissions: '0644' }];
    new Fail2banJail(stack, 'x', { host, jail: 'x', files });
    const [resource] = Object.values<any>(JSON.parse(Testing.synth(stack, true)).resource.null_resource);
    expect(resource.triggers.files).toBe(createHash('sha256').update('/etc/fail2ban/jail.d/x.local\u00000644\u0000[x]\nenabled = true\n\u0000').digest('hex'));
  });

  it('refuses a jail name fail2ban would not take', () => {
    const stack = new TerraformStack(Testing.app(), 'jail');
    const host = new DockerHost(stack, 'host', { hostName: 'main', namePrefix: 'j', address: '203.0.113.10', serverType: SERVER_TYPES.cax11 });
    expect(() => new Fail2banJail(stack, 'x', { host, jail: 'Traefik Auth', files: [] })).toThrow('jail name "Traefik Auth"');
  });
});
