// A small platform on a sandbox: four volumes covering every policy, a configuration directory
// with a secret-like file and a symlink, an extra path, and the containers that use them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackupModel } from '../../../../lib/scripts/model';
import { Sandbox, addContainer, makeVolume, writeTree } from './sandbox';

export const DATABASE_DUMP = '-- PostgreSQL database dump\nDROP TABLE IF EXISTS orders;\nCREATE TABLE orders (id int);\nINSERT INTO orders VALUES (1), (2);\n';

export function seedPlatform(sandbox: Sandbox): { extraFile: string } {
  makeVolume(sandbox, 'grafana-data', {
    'grafana.db': Buffer.from([0, 1, 2, 3, 255, 254, 10, 13]),
    'plugins/readme.txt': 'plugins live here\n',
    "odd name with 'quotes' and spaces.txt": 'still a file\n',
  });
  makeVolume(sandbox, 'loki-data', { 'chunks/0001': 'log chunk one\n', 'chunks/0002': 'log chunk two\n' });
  makeVolume(sandbox, 'traefik-acme', { 'acme.json': '{"le":{"Certificates":[]}}\n' });
  fs.chmodSync(path.join(sandbox.volumesDir, 'traefik-acme', '_data', 'acme.json'), 0o600);
  makeVolume(sandbox, 'shop-db', { 'PG_VERSION': '17\n' });

  writeTree(sandbox.configDir, {
    'traefik/dynamic.yml': 'http:\n  middlewares: {}\n',
    'apps/shop/compose.yaml': 'services: {}\n',
    '.env': 'SHOP_SECRET=not-really\n',
  });
  fs.chmodSync(path.join(sandbox.configDir, '.env'), 0o600);
  fs.symlinkSync('apps/shop/compose.yaml', path.join(sandbox.configDir, 'shop-compose.yaml'));

  const extraFile = path.join(sandbox.root, 'etc', 'fail2ban', 'jail.local');
  writeTree(path.dirname(extraFile), { 'jail.local': '[sshd]\nenabled = true\n' });

  for (const name of ['grafana', 'loki', 'traefik', 'shop', 'shop-postgres']) addContainer(sandbox, name);
  fs.writeFileSync(path.join(sandbox.stateDir, 'db', 'shop-postgres.sql'), DATABASE_DUMP);
  return { extraFile };
}

export function platformModel(sandbox: Sandbox, extra: Partial<BackupModel> = {}): BackupModel {
  return {
    volumes: [
      { name: 'grafana-data', policy: 'stop', containers: ['grafana'] },
      { name: 'loki-data', policy: 'snapshot', containers: ['loki'] },
      { name: 'traefik-acme', policy: 'stop', containers: ['traefik'] },
      {
        name: 'shop-db',
        policy: 'dump',
        containers: ['shop-postgres'],
        dump: { kind: 'postgres', container: 'shop-postgres', user: 'shop', database: 'shop' },
      },
    ],
    configDir: sandbox.configDir,
    extraPaths: [path.join(sandbox.root, 'etc', 'fail2ban', 'jail.local')],
    localDir: sandbox.localDir,
    lockFile: sandbox.lockFile,
    logFile: sandbox.logFile,
    dockerVolumesDir: sandbox.volumesDir,
    hostLabel: 'test-host',
    ...extra,
  };
}
