import type { ExportKey } from './export-key.ts';
import { InformationRequests } from './information-requests.ts';
import { RegulatorRequests } from './regulator-requests.ts';
import { type RegulatorDeps, type RegulatorOptions, regulatorDeps } from './service-deps.ts';
import { regulatorTick } from './worker.ts';

/** The module's parts over one set of deps: regulator requests, information requests, the export key. */
export class RegulatorService {
  readonly deps: RegulatorDeps;
  readonly requests: RegulatorRequests;
  readonly information: InformationRequests;

  constructor(opts: RegulatorOptions) {
    this.deps = regulatorDeps(opts);
    this.requests = new RegulatorRequests(this.deps);
    this.information = new InformationRequests(this.deps);
  }

  /** The published export key: what verifiers trust (never a key inside a bundle). */
  exportKey(): ExportKey {
    const { keyId, algorithm, publicKeyPem, publicKeyBase64 } = this.deps.signer;
    return { keyId, algorithm, publicKeyPem, publicKeyBase64 };
  }

  /** One worker pass (tests drive it; the worker runs it on a timer). */
  tick(now?: Date) {
    return regulatorTick(this.deps, this.requests, now);
  }
}
