import type { NetworkCallContext } from '../gateway/index.ts';
import type { LiveFinding } from './identifiers.ts';
import type { SandboxStore } from './sandbox-store.ts';
import type { OperatorSigner } from './signing.ts';

/** What every product handler needs from the sandbox: its store, signer and scenario settings. */
export type SandboxCore = {
  store: SandboxStore;
  signer: OperatorSigner;
  /** How long a time-out scenario waits before answering (58 / 25). */
  timeoutDelayMs: number;
  sleep(ms: number): Promise<void>;
  /** Records a possible live-data event for monitoring; never throws. */
  reportLiveData(
    ctx: NetworkCallContext,
    operationId: string,
    hit: { field: string; value: string; finding: LiveFinding },
  ): Promise<void>;
};
