// The `services` part of platform.yaml and the app flags that go with it: defaults (everything off), what they
// resolve to, and the config errors for what cannot work, each naming the path and what is expected.
import { Document } from 'yaml';

import { PRODUCTION, specOf } from '../support/platform';

function withConfig(services: Record<string, unknown>, apps: Record<string, unknown> = {}) {
  return (document: Document) => {
    document.setIn([...PRODUCTION, 'services'], document.createNode(services));
    for (const [name, app] of Object.entries(apps)) document.setIn([...PRODUCTION, 'apps', name], document.createNode(app));
  };
}

const ntfy = { topic: 'mambo-ops' };
const notes = { from: 'template', hostnames: ['notes'] };

describe('services, by default', () => {
  const [production, staging] = specOf().environments;

  it('are all off, and apps are critical and never auto-updated', () => {
    for (const environment of [production, staging]) {
      expect(environment.services).toEqual({ registry: undefined, portainer: undefined, watchtower: undefined, uptime: undefined });
      expect(environment.apps.every((app) => app.critical && !app.autoUpdate)).toBe(true);
    }
  });

  it('serve no hostname of their own', () => {
    expect(production.hostnames.map((hostname) => hostname.service)).not.toEqual(expect.arrayContaining(['platform.portainer']));
    expect(production.hostnames.map((hostname) => hostname.service)).not.toEqual(expect.arrayContaining(['platform.registry']));
  });
});

describe('services, switched on', () => {
  it('serve registry.<domain> and portainer.<domain>, under staging.<domain> for staging', () => {
    const spec = specOf((document) => {
      withConfig({ registry: { enabled: true }, portainer: { enabled: true } })(document);
      document.setIn(['environments', 'staging', 'services'], document.createNode({ registry: { enabled: true } }));
    });
    const [production, staging] = spec.environments;
    expect(production.services.registry!.hostname).toBe('registry.mambo-cloud.example');
    expect(production.services.portainer).toEqual({ hostname: 'portainer.mambo-cloud.example', access: 'read-only', auth: 'sso-2fa' });
    expect(staging.services.registry).toMatchObject({
      hostname: 'registry.staging.mambo-cloud.example', htpasswdVariable: 'staging_registry_htpasswd', pullPasswordVariable: 'staging_registry_pull_password',
    });
  });

  it('name the variables the config asks for', () => {
    const spec = specOf(withConfig({
      ntfy: { ...ntfy, tokenEnv: 'TF_VAR_ops_ntfy_token' },
      watchtower: { enabled: true },
      registry: { enabled: true, htpasswdEnv: 'TF_VAR_my_htpasswd', pullPasswordEnv: 'TF_VAR_my_pull', pullUser: 'puller' },
    }, { notes: { ...notes, critical: false, autoUpdate: true } }));
    const { services } = spec.environments[0];
    expect(services.registry).toMatchObject({ htpasswdVariable: 'my_htpasswd', pullPasswordVariable: 'my_pull', pullUser: 'puller' });
    expect(services.watchtower).toEqual({ intervalSeconds: 21_600, apps: ['notes'], ntfy: { server: 'https://ntfy.sh', topic: 'mambo-ops', tokenVariable: 'ops_ntfy_token' } });
  });

  it('put privateRegistry images, and each colour\'s, under the registry\'s hostname', () => {
    const spec = specOf(withConfig({ registry: { enabled: true } }, {
      notes: { ...notes, privateRegistry: true, image: 'team/notes:2.0.0' },
      reader: { from: 'miniflux', hostnames: ['reader'], privateRegistry: true, release: { strategy: 'blue-green', live: 'green', blue: 'miniflux:2.2.10', green: 'miniflux:2.2.11' } },
    }));
    const apps = Object.fromEntries(spec.environments[0].apps.map((app) => [app.name, app]));
    expect(apps.notes.image).toBe('registry.mambo-cloud.example/team/notes:2.0.0');
    expect(apps.reader.release!.images).toEqual({ blue: 'registry.mambo-cloud.example/miniflux:2.2.10', green: 'registry.mambo-cloud.example/miniflux:2.2.11' });
  });
});

describe('config errors', () => {
  const error = (change: (document: Document) => void) => {
    try {
      specOf(change);
    } catch (caught) {
      return (caught as Error).message;
    }
    throw new Error('expected a config error');
  };

  it('autoUpdate on a critical app (apps are critical unless marked otherwise)', () => {
    expect(error(withConfig({ ntfy, watchtower: { enabled: true } }, { notes: { ...notes, autoUpdate: true } })))
      .toMatch(/environments\.production\.apps\.notes\.autoUpdate: found autoUpdate on a critical app; expected `critical: false` first/);
    expect(error(withConfig({ ntfy, watchtower: { enabled: true } }, { notes: { ...notes, critical: true, autoUpdate: true } })))
      .toMatch(/apps\.notes\.autoUpdate: found autoUpdate on a critical app/);
  });

  it('autoUpdate with Watchtower off', () => {
    expect(error(withConfig({}, { notes: { ...notes, critical: false, autoUpdate: true } })))
      .toMatch(/apps\.notes\.autoUpdate: found autoUpdate with Watchtower off; expected services\.watchtower\.enabled: true/);
  });

  it('autoUpdate on a blue/green app', () => {
    const reader = { from: 'miniflux', hostnames: ['reader'], critical: false, autoUpdate: true, release: { strategy: 'blue-green', live: 'blue', blue: 'miniflux/miniflux:2.2.10' } };
    expect(error(withConfig({ ntfy, watchtower: { enabled: true } }, { reader })))
      .toMatch(/apps\.reader\.autoUpdate: found autoUpdate on a blue\/green app/);
  });

  it('Watchtower without an ntfy topic to report to', () => {
    expect(error(withConfig({ watchtower: { enabled: true } })))
      .toMatch(/environments\.production\.services\.ntfy: found Watchtower without an ntfy topic; expected services\.ntfy \(server, topic\)/);
  });

  it('privateRegistry with the registry off, or with an image from another registry', () => {
    expect(error(withConfig({}, { notes: { ...notes, privateRegistry: true, image: 'notes:1.0.0' } })))
      .toMatch(/apps\.notes\.privateRegistry: found privateRegistry with the registry off; expected services\.registry\.enabled: true/);
    expect(error(withConfig({ registry: { enabled: true } }, { notes: { ...notes, privateRegistry: true, image: 'ghcr.io/team/notes:1.0.0' } })))
      .toMatch(/apps\.notes\.image: found "ghcr\.io\/team\/notes:1\.0\.0", which names a registry of its own; expected a path inside registry\.mambo-cloud\.example/);
  });

  it('a private image on latest, like any other', () => {
    expect(error(withConfig({ registry: { enabled: true } }, { notes: { ...notes, privateRegistry: true, image: 'notes:latest' } })))
      .toMatch(/apps\.notes\.image: found "registry\.mambo-cloud\.example\/notes:latest" on "latest"/);
  });

  it('Portainer behind SSO in an environment without SSO', () => {
    expect(error((document) => {
      withConfig({ portainer: { enabled: true, auth: 'sso' } })(document);
      document.deleteIn([...PRODUCTION, 'sso']);
    })).toMatch(/services\.portainer\.auth: found "sso" without an `sso` section in the environment/);
  });

  it('a service hostname that clashes with an app\'s', () => {
    expect(error(withConfig({ registry: { enabled: true, hostname: 'reader' } })))
      .toMatch(/already served by platform\.registry \(environments\.production\.services\.registry\.hostname\)/);
  });

  it('bad values, each with the path and what is allowed', () => {
    expect(error(withConfig({ registry: { enabled: true, garbageCollect: 'sometimes' } })))
      .toMatch(/services\.registry\.garbageCollect.*expected a cron schedule with five fields/);
    expect(error(withConfig({ ntfy: { topic: 'no spaces' } }))).toMatch(/services\.ntfy\.topic.*expected 1–64 letters, digits, - or _/);
    expect(error(withConfig({ ntfy: { topic: 'ops', tokenEnv: 'NTFY_TOKEN' } }))).toMatch(/services\.ntfy\.tokenEnv.*expected TF_VAR_<name>/);
    expect(error(withConfig({ portainer: { enabled: true, access: 'admin' } }))).toMatch(/services\.portainer\.access/);
    expect(error(withConfig({ watchtower: { enabled: true, interval: 'often' } }))).toMatch(/services\.watchtower\.interval.*expected a duration/);
    expect(error(withConfig({ uptime: { enabled: true, exporter: 'nowhere' } }))).toMatch(/services\.uptime\.exporter.*expected host:port/);
    expect(error(withConfig({ kuma: { enabled: true } }))).toMatch(/services/);
  });

  it('an ntfy token written inline is refused before anything else', () => {
    expect(error(withConfig({ ntfy: { topic: 'ops', token: 'tk_abcdefghijklmnopqrstuvwxyz012' } })))
      .toMatch(/services\.ntfy\.token: found a secret written inline \(value not shown\)/);
  });
});
