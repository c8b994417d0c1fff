import {
  goMemLimit, OBSERVABILITY_FOOTPRINT, OBSERVABILITY_MEMORY_BUDGET_MIB, observabilityComponents, observabilityMemoryMiB,
} from '../../../lib/observability/footprint';

describe('observability footprint', () => {
  it.each(['alloy', 'promtail'] as const)('fits the whole stack with %s in 1.25 GiB', (shipper) => {
    expect(OBSERVABILITY_MEMORY_BUDGET_MIB).toBe(1280);
    expect(observabilityMemoryMiB(shipper)).toBeLessThanOrEqual(OBSERVABILITY_MEMORY_BUDGET_MIB);
    expect(observabilityComponents(shipper)).toHaveLength(9);
  });

  it('justifies every limit and leaves the garbage collector headroom under it', () => {
    for (const [component, row] of Object.entries(OBSERVABILITY_FOOTPRINT)) {
      expect([component, row.why.length > 60]).toEqual([component, true]);
      expect(row.cpus).toBeGreaterThan(0);
      if (row.goMemLimitMiB !== undefined) expect(row.goMemLimitMiB).toBeLessThan(row.memoryMiB);
    }
    expect(goMemLimit('loki')).toBe('216MiB');
    expect(goMemLimit('victoriaMetrics')).toBeUndefined();
  });
});
