// The memory budget of a host.
import { describeBudget, describeOverflow, memoryBudget } from '../../lib/capacity';
import { SERVER_TYPES } from '../../lib/hetzner-catalog';

const cax11 = SERVER_TYPES.cax11;

describe('memoryBudget', () => {
  it('counts about 3.4 GiB usable on a cax11 and keeps 10 % of it free', () => {
    const budget = memoryBudget('main', cax11, []);
    expect(budget.usableMiB).toBeGreaterThan(3300);
    expect(budget.usableMiB).toBeLessThan(3550);
    expect(budget.limitMiB).toBe(Math.floor(budget.usableMiB * 0.9));
  });

  it('splits platform and app memory and says when it fits', () => {
    const budget = memoryBudget('main', cax11, [
      { name: 'traefik', role: 'platform', memoryMiB: 128 },
      { name: 'shop', role: 'app', memoryMiB: 512 },
      { name: 'shop-db', role: 'companion', memoryMiB: 256 },
    ]);
    expect(budget).toMatchObject({ platformMiB: 128, appsMiB: 768, totalMiB: 896, fits: true });
    expect(describeBudget(budget)).toMatch(/^host main \(cax11\): 896 MiB of \d+ MiB limit .* platform 128 MiB, apps 768 MiB, \d+ MiB free$/);
  });

  it('names the biggest consumers, largest first, when it does not fit', () => {
    const budget = memoryBudget('main', cax11, [
      { name: 'small', role: 'app', memoryMiB: 100 },
      { name: 'huge', role: 'app', memoryMiB: 4000 },
    ]);
    expect(budget.fits).toBe(false);
    const message = describeOverflow(budget);
    expect(message).toMatch(/container memory limits add up to 4100 MiB, over the \d+ MiB that fit/);
    const rows = message.split('\n').slice(1).map((row) => row.trim().split(/\s+/)[0]);
    expect(rows).toEqual(['huge', 'small']);
  });
});
