// Blue/green releases: what a release and a rollback change in an app's `release` block, and the
// commands that make a colour live on the host (start it, wait until healthy, retire the other one
// after a grace period).

import { BlueGreenRelease, Colour } from './app-definition';
import { durationSeconds } from './duration';
import { parseImageReference } from './images';

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

/** A release: the new image goes to the idle colour, which becomes live. The live one is untouched. */
export function releaseTo(current: BlueGreenRelease, image: string): BlueGreenRelease {
  parseImageReference(image);
  const idle = otherColour(current.live);
  if (current[current.live] === image) {
    throw new Error(`${image} is already live on ${current.live}; expected a new image to release`);
  }
  return { ...current, [idle]: image, live: idle };
}

/** A rollback: the previous colour, which still has its image, becomes live again. */
export function rollback(current: BlueGreenRelease): BlueGreenRelease {
  const previous = otherColour(current.live);
  if (!current[previous]) {
    throw new Error(`the ${previous} colour has no image to roll back to; expected a release before a rollback`);
  }
  return { ...current, live: previous };
}

export interface ActivationModel {
  /** Container that becomes live. */
  readonly live: string;
  /** The other colour's container, retired after `keepIdleFor`; absent when it does not run. */
  readonly idle?: string;
  readonly keepIdleFor: string;
  /** How long to wait for the live container to be healthy. @default 180 */
  readonly timeoutSeconds?: number;
}

/**
 * Shell commands (run as root on the host) that start the live colour if it was retired, wait for
 * its healthcheck, cancel its own retirement and schedule the idle colour's.
 */
export function activationCommands(model: ActivationModel): string[] {
  const attempts = Math.ceil((model.timeoutSeconds ?? 180) / 2);
  const state = `docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' ${model.live}`;
  const commands = [
    'set -eu',
    `docker start ${model.live} >/dev/null`,
    `for _ in $(seq 1 ${attempts}); do state=$(${state}); [ "$state" = healthy ] && break; sleep 2; done`,
    `[ "$state" = healthy ] || { echo "${model.live} is $state, not healthy: traffic stays where it was" >&2; exit 1; }`,
    `systemctl stop mambo-retire-${model.live}.timer 2>/dev/null || true`,
  ];
  if (model.idle) {
    const seconds = durationSeconds(model.keepIdleFor, 'keepIdleFor');
    commands.push(
      `systemctl stop mambo-retire-${model.idle}.timer 2>/dev/null || true`,
      `systemd-run --quiet --collect --unit=mambo-retire-${model.idle} --on-active=${seconds}s /usr/bin/docker stop ${model.idle}`,
    );
  }
  return commands;
}
