// Subnets for the platform's Docker networks: platform networks first, apps at stable slots.
import { SubnetError, planSubnets } from '../../lib/subnets';

const PLATFORM = ['web', 'monitoring', 'socket', 'edge'];

describe('planSubnets', () => {
  it('gives the platform networks the first subnets of the pool', () => {
    const { subnets } = planSubnets('172.30.0.0/16', 24, PLATFORM, []);
    expect(subnets).toEqual({ web: '172.30.0.0/24', monitoring: '172.30.1.0/24', socket: '172.30.2.0/24', edge: '172.30.3.0/24' });
  });

  it('keeps an app\'s subnet when other apps come and go', () => {
    const alone = planSubnets('172.30.0.0/16', 24, PLATFORM, [{ name: 'shop' }]).subnets.shop;
    const crowded = planSubnets('172.30.0.0/16', 24, PLATFORM, [{ name: 'blog' }, { name: 'shop' }, { name: 'wiki' }]).subnets.shop;
    expect(crowded).toBe(alone);
  });

  it('gives every app a distinct subnet inside the pool', () => {
    const apps = Array.from({ length: 40 }, (_, index) => ({ name: `app-${index}` }));
    const { subnets } = planSubnets('172.30.0.0/16', 24, PLATFORM, apps);
    const values = Object.values(subnets);
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((subnet) => subnet.startsWith('172.30.') && subnet.endsWith('/24'))).toBe(true);
  });

  it('honours an explicit subnet', () => {
    expect(planSubnets('172.30.0.0/16', 24, PLATFORM, [{ name: 'shop', subnet: '172.30.200.0/24' }]).subnets.shop).toBe('172.30.200.0/24');
  });

  it('refuses an explicit subnet that overlaps another network', () => {
    expect(() => planSubnets('172.30.0.0/16', 24, PLATFORM, [{ name: 'shop', subnet: '172.30.0.0/23' }]))
      .toThrow(new SubnetError('shop', '"172.30.0.0/23", which overlaps web (172.30.0.0/24)', 'expected subnets that do not overlap'));
  });

  it('refuses an explicit subnet outside the pool', () => {
    expect(() => planSubnets('172.30.0.0/16', 24, PLATFORM, [{ name: 'shop', subnet: '10.9.0.0/24' }])).toThrow(/expected a subnet inside the pool 172\.30\.0\.0\/16/);
  });

  it('refuses an exhausted pool', () => {
    const apps = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }, { name: 'e' }];
    expect(() => planSubnets('172.30.0.0/21', 24, PLATFORM, apps)).toThrow(/9 networks for 8 subnets of \/24 in 172\.30\.0\.0\/21; expected a larger pool .*exhausted/);
  });

  it('refuses subnets larger than the pool', () => {
    expect(() => planSubnets('172.30.0.0/24', 16, PLATFORM, [])).toThrow(/expected subnets no larger than the pool/);
  });
});
