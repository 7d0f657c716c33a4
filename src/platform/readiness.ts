/**
 * One check behind GET /ready (app.ts): the database, Redis, the gateway's usage writer. It
 * resolves when the dependency answers and throws (with a reason) when it does not.
 */
export type ReadinessCheck = {
  name: string;
  check(): Promise<void>;
  /**
   * Reported in the body ('degraded: …') without making the process unready: what one failing
   * dependency must not drain every process of (the production upstreams).
   */
  informational?: boolean;
};
