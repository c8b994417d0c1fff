// Watchtower on a host: replaces the containers of apps marked `autoUpdate` (never critical ones, never the
// platform's own) when the image behind their tag changes, and reports each update to ntfy. It only looks
// at containers labelled for it (label-enable), so everything without the label is out of its reach.
//
// It needs the Docker socket itself: updating means pulling images and creating, stopping and removing
// containers, and a socket proxy that allowed those calls would be as powerful as the socket. The policy's
// socket rule is accepted for it, with that reason.
//
// Limitation: Watchtower recreates a container under the same name, and the docker provider tracks
// containers by id; the next `cdktf deploy` sees the app's container as gone and its create fails on the
// name. Remove the updated container first (`docker rm -f <name>`, the update's ntfy message names it);
// lifting this needs the docker provider to adopt a container by name.

import { Fn } from 'cdktf';
import { Construct } from 'constructs';

import { catalogImageRef } from '../lib/images';
import { DockerHost } from './docker-host';
import { PlatformContainer } from './platform-container';
import { Policy } from './policy';

/** The label Watchtower looks for with label-enable. */
export const WATCHTOWER_ENABLE_LABEL = 'com.centurylinklabs.watchtower.enable';

/** Labels that put a container in Watchtower's reach. */
export function watchtowerLabels(): Record<string, string> {
  return { [WATCHTOWER_ENABLE_LABEL]: 'true' };
}

export interface WatchtowerProps {
  readonly host: DockerHost;
  /** How often registries are asked for a newer image behind each tag, in seconds. @default 21600 (6 hours) */
  readonly intervalSeconds?: number;
  /** Where update reports go. `token` is a reference to a sensitive variable, never a literal. */
  readonly ntfy: { readonly server: string; readonly topic: string; readonly token?: string };
  /** Credentials for a private registry whose images it may update. `password` is a reference to a sensitive variable. */
  readonly registryAuth?: { readonly address: string; readonly username: string; readonly password: string };
  /** A Go binary polling a few containers: ~15 MiB resident. @default 64 */
  readonly memoryMiB?: number;
}

const NOTIFICATION_URL_FILE = '/etc/watchtower/notification-url';
const DOCKER_CONFIG_FILE = '/config.json';

export class Watchtower extends Construct {
  readonly container: PlatformContainer;
  /** The shoutrrr URL without credentials: `ntfy://ntfy.sh/topic?…`. */
  readonly notificationTarget: string;

  constructor(scope: Construct, id: string, props: WatchtowerProps) {
    super(scope, id);
    const { host } = props;

    const server = new URL(props.ntfy.server);
    const query = `?title=${encodeURIComponent(`Watchtower on ${host.namePrefix}`)}&tags=arrows_counterclockwise${server.protocol === 'http:' ? '&scheme=http' : ''}`;
    this.notificationTarget = `ntfy://${server.host}/${props.ntfy.topic}${query}`;

    // With a token, the URL carries it as the user-less password ntfy accepts, so the URL itself is a secret:
    // it goes in a root-only file, which Watchtower reads when the variable names a path.
    const secretFiles: Record<string, string> = {};
    let notificationUrl = this.notificationTarget;
    if (props.ntfy.token !== undefined) {
      secretFiles[NOTIFICATION_URL_FILE] = `ntfy://:${props.ntfy.token}@${server.host}/${props.ntfy.topic}${query}`;
      notificationUrl = NOTIFICATION_URL_FILE;
    }
    if (props.registryAuth) {
      const auth = Fn.base64encode(`${props.registryAuth.username}:${props.registryAuth.password}`);
      secretFiles[DOCKER_CONFIG_FILE] = `{"auths":{"${props.registryAuth.address}":{"auth":"${auth}"}}}`;
    }

    this.container = new PlatformContainer(this, 'watchtower', {
      host,
      name: `${host.namePrefix}-watchtower`,
      image: catalogImageRef('watchtower'),
      role: 'platform',
      memoryMiB: props.memoryMiB ?? 64,
      cpus: 0.25,
      env: {
        // Only containers labelled com.centurylinklabs.watchtower.enable=true: apps marked autoUpdate.
        WATCHTOWER_LABEL_ENABLE: 'true',
        WATCHTOWER_POLL_INTERVAL: String(props.intervalSeconds ?? 21_600),
        WATCHTOWER_CLEANUP: 'true',
        // A stopped container (a retired blue/green colour, a stopped app) stays as it is.
        WATCHTOWER_INCLUDE_STOPPED: 'false',
        WATCHTOWER_TIMEOUT: '30s',
        WATCHTOWER_NOTIFICATIONS: 'shoutrrr',
        WATCHTOWER_NOTIFICATION_URL: notificationUrl,
        WATCHTOWER_NOTIFICATIONS_HOSTNAME: host.namePrefix,
        WATCHTOWER_NO_STARTUP_MESSAGE: 'true',
        // Watchtower 1.7.1 asks for API 1.25 by default, which Docker 25 and later refuse (the origin's incident).
        DOCKER_API_VERSION: '1.44',
        ...(props.registryAuth ? { DOCKER_CONFIG: '/' } : {}),
      },
      secretFiles,
      // Read-only or not, a mounted socket accepts every API call; the bind is marked read-write to say so.
      hostMounts: [{ hostPath: '/var/run/docker.sock', path: '/var/run/docker.sock', readOnly: false }],
      // Registries and ntfy are outside: the edge network is the one with a route out.
      networks: [{ network: host.network('edge') }],
      // Never updates itself: its own version moves with the image catalog, through a deploy.
      labels: { [WATCHTOWER_ENABLE_LABEL]: 'false' },
      capabilities: { drop: ['ALL'] },
    });

    Policy.accept(this, 'MAMBO-P009', 'Watchtower pulls images and recreates the containers of apps marked autoUpdate: '
      + 'those are writes no read-only proxy allows, and a proxy that allowed them would be as powerful as the socket');
  }
}
