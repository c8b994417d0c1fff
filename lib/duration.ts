// Prometheus-style durations (`30s`, `5m`, `7d`) as the platform's models write them, checked once
// so a typo such as `5min` fails at synth with the offending value instead of at container start.

/** A single-unit Prometheus duration: `500ms`, `30s`, `5m`, `2h`, `7d`, `1w`, `1y`. */
export type Duration = `${number}${'ms' | 's' | 'm' | 'h' | 'd' | 'w' | 'y'}`;

const unitSeconds: Record<string, number> = {
  ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000,
};

const durationPattern = /^(\d+)(ms|s|m|h|d|w|y)$/;

/** True for what {@link Duration} accepts at run time (whole numbers, one unit). */
export function isDuration(value: string): value is Duration {
  return durationPattern.test(value);
}

/** Seconds in a duration; throws naming `what` when the text is not a duration. */
export function durationSeconds(value: string, what = 'duration'): number {
  const match = durationPattern.exec(value);
  if (!match) {
    throw new Error(`${what} "${value}" is not a duration; expected a whole number and one unit, e.g. 30s, 5m, 2h, 7d`);
  }
  return Number(match[1]) * unitSeconds[match[2]];
}

/** Writes seconds back as the largest whole unit: 300 → `5m`, 90 → `90s`. */
export function formatDuration(seconds: number): Duration {
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds >= unitSeconds[unit] && seconds % unitSeconds[unit] === 0) return `${seconds / unitSeconds[unit]}${unit}`;
  }
  return `${seconds}s`;
}
