// Renders the cloud-init user data that turns a fresh Hetzner image into a platform host: Docker
// and its compose plugin, a non-root deploy user in the docker group, key-only SSH, fail2ban on
// sshd and automatic security updates. Docker networks are not created here: the platform stack
// owns them, so Terraform manages their whole life.

import { stringify } from 'yaml';

import { OsFamily } from './hetzner-catalog';

export interface CloudInitModel {
  readonly hostname: string;
  /** The image name, e.g. `debian-12`, `ubuntu-24.04`, `alma-9`; decides the package manager and repos. */
  readonly image: string;
  readonly osFamily: OsFamily;
  /** Non-root user that Terraform's docker provider connects as; in the docker group, no sudo. */
  readonly deployUser: string;
  /** OpenSSH public key lines installed for the deploy user. */
  readonly authorizedKeys: readonly string[];
  /** fail2ban's sshd jail. @default 5 retries in 10 minutes ban for 1 hour */
  readonly sshJail?: { readonly maxRetry?: number; readonly findTime?: string; readonly banTime?: string };
  /** Extra files written on first boot (later changes reach the host through null_resources). */
  readonly extraFiles?: readonly CloudInitFile[];
}

export interface CloudInitFile {
  readonly path: string;
  readonly content: string;
  /** Octal permissions. @default '0644' */
  readonly permissions?: string;
  /** Write after packages are installed, for files a package would otherwise own. @default false */
  readonly defer?: boolean;
}

// Docker's release key, as published at https://download.docker.com/linux/debian/gpg.
const DOCKER_APT_KEY_FINGERPRINT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88';
const DOCKER_PACKAGES = ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin'];

export function renderCloudInit(model: CloudInitModel): string {
  const common = commonConfig(model);
  const distro = model.osFamily === 'debian' ? debianConfig(model) : enterpriseLinuxConfig();

  const document = {
    hostname: model.hostname,
    ...common.head,
    ...distro.head,
    packages: [...distro.packages],
    write_files: [...common.files, ...distro.files, ...(model.extraFiles ?? []).map(toWriteFile)],
    runcmd: [...distro.runcmd, ...common.runcmd],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

function commonConfig(model: CloudInitModel) {
  const jail = { maxRetry: 5, findTime: '10m', banTime: '1h', ...model.sshJail };

  return {
    head: {
      timezone: 'UTC',
      package_update: true,
      package_upgrade: true,
      ssh_pwauth: false,
      // Created before Docker's packages so the deploy user can join it at creation.
      groups: ['docker'],
      users: [
        'default',
        {
          name: model.deployUser,
          gecos: 'Mambo platform deploy user (Docker only, no sudo)',
          shell: '/bin/bash',
          groups: ['docker'],
          lock_passwd: true,
          ssh_authorized_keys: [...model.authorizedKeys],
        },
      ],
    },
    files: [
      toWriteFile({
        path: '/etc/ssh/sshd_config.d/10-mambo.conf',
        permissions: '0644',
        content: [
          '# Key-only SSH; root keeps key access for emergencies, day-to-day work uses the deploy user.',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PubkeyAuthentication yes',
          'PermitRootLogin prohibit-password',
          'PermitEmptyPasswords no',
          'MaxAuthTries 3',
          'X11Forwarding no',
          '',
        ].join('\n'),
      }),
      toWriteFile({
        path: '/etc/fail2ban/jail.d/sshd.local',
        permissions: '0644',
        content: [
          '[sshd]',
          'enabled  = true',
          'port     = ssh',
          // Debian 12 and EL images log sshd to the journal only; a file backend would watch nothing.
          'backend  = systemd',
          `maxretry = ${jail.maxRetry}`,
          `findtime = ${jail.findTime}`,
          `bantime  = ${jail.banTime}`,
          '',
        ].join('\n'),
      }),
      toWriteFile({
        path: '/etc/docker/daemon.json',
        permissions: '0644',
        // Rotated container logs: unbounded json logs filled the disk of the original host.
        content: `${JSON.stringify({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '10m', 'max-file': '3' }, 'live-restore': true }, null, 2)}\n`,
      }),
    ],
    runcmd: [
      ['systemctl', 'enable', '--now', 'docker'],
      ['systemctl', 'enable', '--now', 'fail2ban'],
      ['systemctl', 'restart', model.osFamily === 'debian' ? 'ssh' : 'sshd'],
    ],
  };
}

function debianConfig(model: CloudInitModel) {
  const distribution = model.image.startsWith('ubuntu') ? 'ubuntu' : 'debian';
  return {
    head: {
      apt: {
        sources: {
          'docker.list': {
            source: `deb [signed-by=$KEY_FILE] https://download.docker.com/linux/${distribution} $RELEASE stable`,
            keyid: DOCKER_APT_KEY_FINGERPRINT,
          },
        },
      },
    },
    packages: ['ca-certificates', 'curl', 'fail2ban', 'python3-systemd', 'unattended-upgrades', 'restic', 'jq', ...DOCKER_PACKAGES],
    files: [
      toWriteFile({
        path: '/etc/apt/apt.conf.d/20auto-upgrades',
        permissions: '0644',
        content: 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n',
      }),
    ],
    runcmd: [['systemctl', 'enable', '--now', 'unattended-upgrades']],
  };
}

function enterpriseLinuxConfig() {
  return {
    head: {
      yum_repos: {
        'docker-ce-stable': {
          name: 'Docker CE Stable',
          baseurl: 'https://download.docker.com/linux/centos/$releasever/$basearch/stable',
          enabled: true,
          gpgcheck: true,
          gpgkey: 'https://download.docker.com/linux/centos/gpg',
        },
      },
    },
    packages: ['ca-certificates', 'curl', 'dnf-automatic', 'jq', ...DOCKER_PACKAGES],
    files: [
      toWriteFile({
        path: '/etc/dnf/automatic.conf',
        permissions: '0644',
        defer: true,
        content: '[commands]\nupgrade_type = security\napply_updates = yes\n\n[emitters]\nemit_via = stdio\n',
      }),
    ],
    // fail2ban and restic live in EPEL, which must be installed before they can be.
    runcmd: [
      ['dnf', '-y', 'install', 'epel-release'],
      ['dnf', '-y', 'install', 'fail2ban', 'fail2ban-systemd', 'restic'],
      ['systemctl', 'enable', '--now', 'dnf-automatic.timer'],
    ],
  };
}

function toWriteFile(file: CloudInitFile) {
  const written = { path: file.path, permissions: file.permissions ?? '0644', owner: 'root:root', content: file.content };
  return file.defer ? { ...written, defer: true } : written;
}
