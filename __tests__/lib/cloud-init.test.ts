// Every cloud-init document the platform can generate passes cloud-init's own validator, and says
// what a platform host needs: Docker, the deploy user, key-only SSH, fail2ban, security updates.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { parse } from 'yaml';

import { CloudInitModel, renderCloudInit } from '../../lib/cloud-init';
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
