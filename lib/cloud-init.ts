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

/** Fingerprint of Docker's apt release key (DOCKER_APT_KEY below), as Docker publishes it. */
export const DOCKER_APT_KEY_FINGERPRINT = '9DC858229FC7DD38854AE2D88D81803C0EBFCD88';
/** Where the host keeps Docker's apt key; apt reads an armored `.asc` keyring directly. */
const DOCKER_APT_KEYRING = '/etc/apt/keyrings/docker.asc';
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
      // The key ships inside the user data instead of a `keyid`: cloud-init would fetch a keyid from
      // keyserver.ubuntu.com on hkp port 11371, which the host's own firewall drops, and it needs gpg
      // and dirmngr, which minimal images lack. write_files runs before apt is configured.
      apt: {
        sources: {
          'docker.list': {
            source: `deb [signed-by=${DOCKER_APT_KEYRING}] https://download.docker.com/linux/${distribution} $RELEASE stable`,
          },
        },
      },
    },
    packages: ['ca-certificates', 'curl', 'fail2ban', 'python3-systemd', 'unattended-upgrades', 'restic', 'jq', ...DOCKER_PACKAGES],
    files: [
      toWriteFile({ path: DOCKER_APT_KEYRING, permissions: '0644', content: `${DOCKER_APT_KEY}\n` }),
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
    // No `curl`: EL 9 images carry curl-minimal, which conflicts with it and would fail the whole install.
    packages: ['ca-certificates', 'dnf-automatic', 'jq', ...DOCKER_PACKAGES],
    files: [
      toWriteFile({
        path: '/etc/dnf/automatic.conf',
        permissions: '0644',
        defer: true,
        content: '[commands]\nupgrade_type = security\napply_updates = yes\n\n[emitters]\nemit_via = stdio\n',
      }),
    ],
    // fail2ban and restic live in EPEL, which must be installed before they can be. Not the `fail2ban`
    // package itself: it pulls in firewalld, which after the next reboot would drop ports 80 and 443 and
    // fight Docker over iptables; fail2ban-server bans through iptables, which docker-ce installs.
    runcmd: [
      ['dnf', '-y', 'install', 'epel-release'],
      ['dnf', '-y', 'install', 'fail2ban-server', 'fail2ban-systemd', 'restic'],
      ['systemctl', 'enable', '--now', 'dnf-automatic.timer'],
    ],
  };
}

function toWriteFile(file: CloudInitFile) {
  const written = { path: file.path, permissions: file.permissions ?? '0644', owner: 'root:root', content: file.content };
  return file.defer ? { ...written, defer: true } : written;
}

// Docker's apt release key for Debian and Ubuntu (https://download.docker.com/linux/debian/gpg); its
// fingerprint is DOCKER_APT_KEY_FINGERPRINT, which a test recomputes from these bytes.
const DOCKER_APT_KEY = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mQINBFit2ioBEADhWpZ8/wvZ6hUTiXOwQHXMAlaFHcPH9hAtr4F1y2+OYdbtMuth
lqqwp028AqyY+PRfVMtSYMbjuQuu5byyKR01BbqYhuS3jtqQmljZ/bJvXqnmiVXh
38UuLa+z077PxyxQhu5BbqntTPQMfiyqEiU+BKbq2WmANUKQf+1AmZY/IruOXbnq
L4C1+gJ8vfmXQt99npCaxEjaNRVYfOS8QcixNzHUYnb6emjlANyEVlZzeqo7XKl7
UrwV5inawTSzWNvtjEjj4nJL8NsLwscpLPQUhTQ+7BbQXAwAmeHCUTQIvvWXqw0N
cmhh4HgeQscQHYgOJjjDVfoY5MucvglbIgCqfzAHW9jxmRL4qbMZj+b1XoePEtht
ku4bIQN1X5P07fNWzlgaRL5Z4POXDDZTlIQ/El58j9kp4bnWRCJW0lya+f8ocodo
vZZ+Doi+fy4D5ZGrL4XEcIQP/Lv5uFyf+kQtl/94VFYVJOleAv8W92KdgDkhTcTD
G7c0tIkVEKNUq48b3aQ64NOZQW7fVjfoKwEZdOqPE72Pa45jrZzvUFxSpdiNk2tZ
XYukHjlxxEgBdC/J3cMMNRE1F4NCA3ApfV1Y7/hTeOnmDuDYwr9/obA8t016Yljj
q5rdkywPf4JF8mXUW5eCN1vAFHxeg9ZWemhBtQmGxXnw9M+z6hWwc6ahmwARAQAB
tCtEb2NrZXIgUmVsZWFzZSAoQ0UgZGViKSA8ZG9ja2VyQGRvY2tlci5jb20+iQI3
BBMBCgAhBQJYrefAAhsvBQsJCAcDBRUKCQgLBRYCAwEAAh4BAheAAAoJEI2BgDwO
v82IsskP/iQZo68flDQmNvn8X5XTd6RRaUH33kXYXquT6NkHJciS7E2gTJmqvMqd
tI4mNYHCSEYxI5qrcYV5YqX9P6+Ko+vozo4nseUQLPH/ATQ4qL0Zok+1jkag3Lgk
jonyUf9bwtWxFp05HC3GMHPhhcUSexCxQLQvnFWXD2sWLKivHp2fT8QbRGeZ+d3m
6fqcd5Fu7pxsqm0EUDK5NL+nPIgYhN+auTrhgzhK1CShfGccM/wfRlei9Utz6p9P
XRKIlWnXtT4qNGZNTN0tR+NLG/6Bqd8OYBaFAUcue/w1VW6JQ2VGYZHnZu9S8LMc
FYBa5Ig9PxwGQOgq6RDKDbV+PqTQT5EFMeR1mrjckk4DQJjbxeMZbiNMG5kGECA8
g383P3elhn03WGbEEa4MNc3Z4+7c236QI3xWJfNPdUbXRaAwhy/6rTSFbzwKB0Jm
ebwzQfwjQY6f55MiI/RqDCyuPj3r3jyVRkK86pQKBAJwFHyqj9KaKXMZjfVnowLh
9svIGfNbGHpucATqREvUHuQbNnqkCx8VVhtYkhDb9fEP2xBu5VvHbR+3nfVhMut5
G34Ct5RS7Jt6LIfFdtcn8CaSas/l1HbiGeRgc70X/9aYx/V/CEJv0lIe8gP6uDoW
FPIZ7d6vH+Vro6xuWEGiuMaiznap2KhZmpkgfupyFmplh0s6knymuQINBFit2ioB
EADneL9S9m4vhU3blaRjVUUyJ7b/qTjcSylvCH5XUE6R2k+ckEZjfAMZPLpO+/tF
M2JIJMD4SifKuS3xck9KtZGCufGmcwiLQRzeHF7vJUKrLD5RTkNi23ydvWZgPjtx
Q+DTT1Zcn7BrQFY6FgnRoUVIxwtdw1bMY/89rsFgS5wwuMESd3Q2RYgb7EOFOpnu
w6da7WakWf4IhnF5nsNYGDVaIHzpiqCl+uTbf1epCjrOlIzkZ3Z3Yk5CM/TiFzPk
z2lLz89cpD8U+NtCsfagWWfjd2U3jDapgH+7nQnCEWpROtzaKHG6lA3pXdix5zG8
eRc6/0IbUSWvfjKxLLPfNeCS2pCL3IeEI5nothEEYdQH6szpLog79xB9dVnJyKJb
VfxXnseoYqVrRz2VVbUI5Blwm6B40E3eGVfUQWiux54DspyVMMk41Mx7QJ3iynIa
1N4ZAqVMAEruyXTRTxc9XW0tYhDMA/1GYvz0EmFpm8LzTHA6sFVtPm/ZlNCX6P1X
zJwrv7DSQKD6GGlBQUX+OeEJ8tTkkf8QTJSPUdh8P8YxDFS5EOGAvhhpMBYD42kQ
pqXjEC+XcycTvGI7impgv9PDY1RCC1zkBjKPa120rNhv/hkVk/YhuGoajoHyy4h7
ZQopdcMtpN2dgmhEegny9JCSwxfQmQ0zK0g7m6SHiKMwjwARAQABiQQ+BBgBCAAJ
BQJYrdoqAhsCAikJEI2BgDwOv82IwV0gBBkBCAAGBQJYrdoqAAoJEH6gqcPyc/zY
1WAP/2wJ+R0gE6qsce3rjaIz58PJmc8goKrir5hnElWhPgbq7cYIsW5qiFyLhkdp
YcMmhD9mRiPpQn6Ya2w3e3B8zfIVKipbMBnke/ytZ9M7qHmDCcjoiSmwEXN3wKYI
mD9VHONsl/CG1rU9Isw1jtB5g1YxuBA7M/m36XN6x2u+NtNMDB9P56yc4gfsZVES
KA9v+yY2/l45L8d/WUkUi0YXomn6hyBGI7JrBLq0CX37GEYP6O9rrKipfz73XfO7
JIGzOKZlljb/D9RX/g7nRbCn+3EtH7xnk+TK/50euEKw8SMUg147sJTcpQmv6UzZ
cM4JgL0HbHVCojV4C/plELwMddALOFeYQzTif6sMRPf+3DSj8frbInjChC3yOLy0
6br92KFom17EIj2CAcoeq7UPhi2oouYBwPxh5ytdehJkoo+sN7RIWua6P2WSmon5
U888cSylXC0+ADFdgLX9K2zrDVYUG1vo8CX0vzxFBaHwN6Px26fhIT1/hYUHQR1z
VfNDcyQmXqkOnZvvoMfz/Q0s9BhFJ/zU6AgQbIZE/hm1spsfgvtsD1frZfygXJ9f
irP+MSAI80xHSf91qSRZOj4Pl3ZJNbq4yYxv0b1pkMqeGdjdCYhLU+LZ4wbQmpCk
SVe2prlLureigXtmZfkqevRz7FrIZiu9ky8wnCAPwC7/zmS18rgP/17bOtL4/iIz
QhxAAoAMWVrGyJivSkjhSGx1uCojsWfsTAm11P7jsruIL61ZzMUVE2aM3Pmj5G+W
9AcZ58Em+1WsVnAXdUR//bMmhyr8wL/G1YO1V3JEJTRdxsSxdYa4deGBBY/Adpsw
24jxhOJR+lsJpqIUeb999+R8euDhRHG9eFO7DRu6weatUJ6suupoDTRWtr/4yGqe
dKxV3qQhNLSnaAzqW/1nA3iUB4k7kCaKZxhdhDbClf9P37qaRW467BLCVO/coL3y
Vm50dwdrNtKpMBh3ZpbB1uJvgi9mXtyBOMJ3v8RZeDzFiG8HdCtg9RvIt/AIFoHR
H3S+U79NT6i0KPzLImDfs8T7RlpyuMc4Ufs8ggyg9v3Ae6cN3eQyxcK3w0cbBwsh
/nQNfsA6uu+9H7NhbehBMhYnpNZyrHzCmzyXkauwRAqoCbGCNykTRwsur9gS41TQ
M8ssD1jFheOJf3hODnkKU+HKjvMROl1DK7zdmLdNzA1cvtZH/nCC9KPj1z8QC47S
xx+dTZSx4ONAhwbS/LN3PoKtn8LPjY9NP9uDWI+TWYquS2U+KHDrBDlsgozDbs/O
jCxcpDzNmXpWQHEtHU7649OXHP7UeNST1mCUCH5qdank0V1iejF6/CfTFU4MfcrG
YT90qFF93M3v01BbxP+EIY2/9tiIPbrd
=0YYh
-----END PGP PUBLIC KEY BLOCK-----`;
