import { bruteForce } from './brute-force.ts';
import { congestion } from './congestion.ts';
import { credentialSharing } from './credential-sharing.ts';
import type { Detector } from './detector.ts';
import { floods } from './floods.ts';
import { liveData } from './live-data.ts';
import { loadTesting } from './load-testing.ts';
import { penTest } from './pen-test.ts';
import { scanning } from './scanning.ts';

/** Every detector, in the order the operator's screen lists them (docs/detectors.md). */
export const DETECTORS: readonly Detector[] = [
  bruteForce,
  scanning,
  penTest,
  loadTesting,
  credentialSharing,
  floods,
  congestion,
  liveData,
];
