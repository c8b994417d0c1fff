// A fail2ban jail installed on a host: its files written as root over SSH by a null_resource whose
// trigger is a hash of what it installs (so a changed filter is re-installed, an unchanged one never),
// then fail2ban reloaded and the jail checked, failing the deploy when the jail did not start.

import { createHash } from 'node:crypto';

import { Construct } from 'constructs';
import { Resource as NullResource } from '@cdktf/provider-null/lib/resource';

import { HostFile } from '../lib/fail2ban';
import { DockerHost } from './docker-host';
import { escapeTemplateSequences } from './platform-container';

export interface Fail2banJailProps {
  readonly host: DockerHost;
  /** The jail's name, as in its `[name]` section. */
  readonly jail: string;
  /** Filter, jail and companion files (lib/fail2ban.ts `traefikAuthHostFiles`). */
  readonly files: readonly HostFile[];
  /** A log file the jail reads, created empty when missing: fail2ban refuses a jail whose log does not exist. */
  readonly logFile?: string;
}

export class Fail2banJail extends Construct {
  readonly installation: NullResource;

  constructor(scope: Construct, id: string, props: Fail2banJailProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]*$/.test(props.jail)) throw new Error(`${this.node.path}: jail name "${props.jail}"; expected lower-case letters, digits and dashes`);

    const digest = createHash('sha256');
    for (const file of props.files) digest.update(`${file.path}\0${file.permissions}\0${file.content}\0`);
    const directories = [...new Set(props.files.map((file) => file.path.slice(0, file.path.lastIndexOf('/'))))];
    const logDirectory = props.logFile?.slice(0, props.logFile.lastIndexOf('/'));

    this.installation = new NullResource(this, 'install', {
      triggers: { files: digest.digest('hex'), host: props.host.address },
      connection: props.host.rootConnection,
      provisioners: [
        {
          type: 'remote-exec',
          inline: [
            // On a new server, cloud-init may still be installing fail2ban.
            'cloud-init status --wait >/dev/null 2>&1 || true',
            `mkdir -p ${[...directories, ...(logDirectory ? [logDirectory] : [])].join(' ')}`,
            ...(props.logFile ? [`touch ${props.logFile}`] : []),
          ],
        },
        ...props.files.map((file) => ({ type: 'file' as const, content: escapeTemplateSequences(file.content), destination: file.path })),
        {
          type: 'remote-exec',
          inline: [
            ...props.files.map((file) => `chmod ${file.permissions} ${file.path}`),
            'systemctl daemon-reload',
            'systemctl enable fail2ban',
            'if systemctl is-active --quiet fail2ban; then fail2ban-client reload; else systemctl restart fail2ban; fi',
            `sleep 2 && fail2ban-client status ${props.jail}`,
          ],
        },
      ],
    });
  }
}
