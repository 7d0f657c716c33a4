import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { detectorsContracts } from './contracts.ts';
import type { DetectorsService } from './detectors-service.ts';

export function detectorsRoutes(deps: { detectors: DetectorsService; running: () => boolean }) {
  const { detectors } = deps;
  return implement(detectorsContracts, {
    listDetectors: async () => ({
      items: detectors.list(),
      engine: { running: deps.running(), ...detectors.engine.stats() },
    }),
    updateDetector: async (c) => detectors.update(c.params.detectorId, c.body, contextOf(c)),
  });
}
