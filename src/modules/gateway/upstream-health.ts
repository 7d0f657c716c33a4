import { Gauge } from 'prom-client';
import type { Metrics } from '../../platform/metrics.ts';
import type { ReadinessCheck } from '../../platform/readiness.ts';
import type { ProductionUpstreams } from './production-upstreams.ts';

/**
 * How the production upstreams' health is shown: in `/readyz`'s body as the informational check
 * `production-upstreams` (it names each upstream whose circuit is not closed, and never turns
 * readiness red: one upstream's outage must not take every gateway out of its load balancer, whose
 * other products and sandbox still work), and in `/metrics`.
 */
export function upstreamReadiness(upstreams: ProductionUpstreams): ReadinessCheck {
  return {
    name: 'production-upstreams',
    informational: true,
    async check() {
      const failing = upstreams.health().filter((h) => h.state !== 'closed');
      if (failing.length === 0) return;
      throw new Error(
        failing
          .map((h) => `${h.productSlug} (${h.baseUrl}) circuit ${h.state}: ${h.lastError ?? 'failing'}`)
          .join('; '),
      );
    },
  };
}

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * `darwaza_upstream_circuit_state{product}` (0 closed, 1 half-open, 2 open),
 * `darwaza_upstream_consecutive_failures{product}` and `darwaza_upstream_circuit_opened{product}`
 * (times opened since the process started), read when /metrics is scraped (nothing per call).
 */
export function upstreamMetrics(metrics: Metrics, upstreams: ProductionUpstreams): void {
  const gauge = (
    name: string,
    help: string,
    value: (h: ReturnType<ProductionUpstreams['health']>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['product'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const h of upstreams.health()) this.set({ product: h.productSlug }, value(h));
      },
    });
  gauge(
    'darwaza_upstream_circuit_state',
    'Production upstream circuit: 0 closed, 1 half-open, 2 open',
    (h) => STATE_VALUE[h.state],
  );
  gauge(
    'darwaza_upstream_consecutive_failures',
    'Consecutive failed calls to the production upstream',
    (h) => h.failures,
  );
  gauge(
    'darwaza_upstream_circuit_opened',
    'Times the production upstream circuit opened since start',
    (h) => h.opened,
  );
}
