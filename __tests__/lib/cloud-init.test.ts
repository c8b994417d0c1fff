// Every cloud-init document the platform can generate passes cloud-init's own validator, and says
// what a platform host needs: Docker, the deploy user, key-only SSH, fail2ban, security updates.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parse } from 'yaml';

import { CloudInitModel, DOCKER_APT_KEY_FINGERPRINT, renderCloudInit } from '../../lib/cloud-init';
import { osFamilyOf } from '../../lib/hetzner-catalog';
import { itWithTools, run } from '../support/tools';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEsMULe/xLVdf+2AINsfKuvs5UEum3J2+jAZ+6ViZ2Jx ops@mambo.example';
const IMAGES = ['debian-12', 'debian-13', 'ubuntu-24.04', 'alma-9', 'rocky-9'];

function modelFor(image: string): CloudInitModel {
  return { hostname: 'mambo-production-main', image, osFamily: osFamilyOf(image)!, deployUser: 'deploy', authorizedKeys: [KEY] };
}

const workDir = mkdtempSync(path.join(tmpdir(), 'mambo-cloud-init-'));

function validate(text: string, name: string) {
  const file = path.join(workDir, `${name}.yaml`);
  writeFileSync(file, text);
  return run('cloud-init', ['schema', '--config-file', file]);
}

describe.each(IMAGES)('cloud-init for %s', (image) => {
  const text = renderCloudInit(modelFor(image));
  const document = parse(text);

  itWithTools('cloud-init')('passes `cloud-init schema`', () => {
    const result = validate(text, image);
    expect(result.stderr + result.stdout).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });

  it('starts with the #cloud-config header', () => {
    expect(text.startsWith('#cloud-config\n')).toBe(true);
  });

  it('creates the deploy user in the docker group with the keys and no sudo', () => {
    const deploy = document.users.find((user: { name?: string }) => user.name === 'deploy');
    expect(deploy).toMatchObject({ groups: ['docker'], lock_passwd: true, ssh_authorized_keys: [KEY] });
    expect(deploy.sudo).toBeUndefined();
  });

  it('installs Docker and the compose plugin', () => {
    expect(document.packages).toEqual(expect.arrayContaining(['docker-ce', 'docker-compose-plugin']));
  });

  it('allows key-only SSH', () => {
    expect(document.ssh_pwauth).toBe(false);
    const sshd = document.write_files.find((file: { path: string }) => file.path === '/etc/ssh/sshd_config.d/10-mambo.conf');
    expect(sshd.content).toMatch(/^PasswordAuthentication no$/m);
    expect(sshd.content).toMatch(/^PermitRootLogin prohibit-password$/m);
  });

  it('jails sshd with fail2ban reading the journal', () => {
    const jail = document.write_files.find((file: { path: string }) => file.path === '/etc/fail2ban/jail.d/sshd.local');
    expect(jail.content).toMatch(/^\[sshd\]\nenabled {2}= true/);
    expect(jail.content).toMatch(/^backend {2}= systemd$/m);
  });

  it('switches on automatic security updates', () => {
    const paths = document.write_files.map((file: { path: string }) => file.path);
    expect(paths).toContain(osFamilyOf(image) === 'debian' ? '/etc/apt/apt.conf.d/20auto-upgrades' : '/etc/dnf/automatic.conf');
  });

  it('creates no Docker network (the platform stack owns them)', () => {
    expect(text).not.toMatch(/docker network create/);
  });

  it('fetches nothing from a keyserver: the host firewall allows no hkp port and minimal images have no gpg', () => {
    expect(text).not.toMatch(/keyid|keyserver/);
  });
});

describe.each(IMAGES.filter((image) => osFamilyOf(image) === 'debian'))('Docker\'s apt repository on %s', (image) => {
  const document = parse(renderCloudInit(modelFor(image)));
  const source: string = document.apt.sources['docker.list'].source;
  const keyring = source.match(/signed-by=(\S+?)\]/)?.[1];

  it('is signed by a keyring that cloud-init writes before apt runs (write_files is an init-stage module)', () => {
    expect(source).toBe(`deb [signed-by=${keyring}] https://download.docker.com/linux/${image.split('-')[0]} $RELEASE stable`);
    const written = document.write_files.find((file: { path: string }) => file.path === keyring);
    expect(written).toBeDefined();
    expect(written.defer).toBeUndefined();
  });

  it('trusts exactly Docker\'s release key', () => {
    const written = document.write_files.find((file: { path: string }) => file.path === keyring);
    expect(openPgpFingerprint(written.content)).toBe(DOCKER_APT_KEY_FINGERPRINT);
  });
});

describe.each(IMAGES.filter((image) => osFamilyOf(image) === 'el'))('packages on %s', (image) => {
  const document = parse(renderCloudInit(modelFor(image)));
  const installedByCommand = document.runcmd.filter((command: string[]) => command[0] === 'dnf' && command.includes('install'));
  const installs = [...document.packages, ...installedByCommand.flat()];

  it('leave curl alone: EL images carry curl-minimal, and asking for curl fails the whole install', () => {
    expect(installs).not.toContain('curl');
  });

  it('take fail2ban without its firewalld part, which would close ports 80 and 443 after a reboot', () => {
    expect(installs).toEqual(expect.arrayContaining(['fail2ban-server', 'fail2ban-systemd']));
    expect(installs).not.toContain('fail2ban');
    expect(installs).not.toContain('fail2ban-firewalld');
  });
});

describe('the validator itself', () => {
  itWithTools('cloud-init')('rejects a document of the wrong shape, so a pass means something', () => {
    const result = validate('#cloud-config\npackages: 5\nwrite_files: [{path: /a, permissions: 644}]\n', 'broken');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("packages: 5 is not of type 'array'");
  });

  // cloud-init ignores top-level keys it does not know, so the schema check alone cannot catch a
  // misspelt module key; compare our keys with the modules its schema defines.
  itWithTools('cloud-init')('uses only top-level keys that cloud-init modules read', () => {
    const schemaDir = run('/usr/bin/python3', ['-c', 'import cloudinit.config.schemas as s, os; print(os.path.dirname(s.__file__))']).stdout.trim();
    const schema = JSON.parse(readFileSync(path.join(schemaDir, 'schema-cloud-config-v1.json'), 'utf8'));
    const known = new Set<string>(Object.values(schema.$defs as Record<string, { properties?: object }>)
      .flatMap((definition) => Object.keys(definition.properties ?? {})));
    for (const image of IMAGES) {
      const keys = Object.keys(parse(renderCloudInit(modelFor(image))));
      expect(keys.filter((key) => !known.has(key))).toEqual([]);
    }
  });
});

/** The v4 fingerprint of the first key in an armored OpenPGP block: SHA-1 over 0x99, length, key packet (RFC 4880 12.2). */
function openPgpFingerprint(armored: string): string {
  const base64 = armored.split('\n').filter((line) => /^[A-Za-z0-9+/]+={0,2}$/.test(line)).join('');
  const bytes = Buffer.from(base64, 'base64');
  const header = bytes[0];
  let tag: number;
  let bodyStart: number;
  let length: number;
  if (header & 0x40) {
    tag = header & 0x3f;
    const first = bytes[1];
    [length, bodyStart] = first < 192 ? [first, 2] : first < 224 ? [((first - 192) << 8) + bytes[2] + 192, 3] : [bytes.readUInt32BE(2), 6];
  } else {
    tag = (header >> 2) & 0x0f;
    const lengthType = header & 0x03;
    [length, bodyStart] = lengthType === 0 ? [bytes[1], 2] : lengthType === 1 ? [bytes.readUInt16BE(1), 3] : [bytes.readUInt32BE(1), 5];
  }
  const body = bytes.subarray(bodyStart, bodyStart + length);
  if (tag !== 6 || body[0] !== 4) throw new Error(`expected a v4 public key packet first, found tag ${tag} version ${body[0]}`);
  const prefix = Buffer.from([0x99, length >> 8, length & 0xff]);
  return createHash('sha1').update(prefix).update(body).digest('hex').toUpperCase();
}
