/**
 * Runs `pass` every `intervalMs` once started (main.ts starts modules' workers when the server
 * listens, in the roles that do background work) and at once on start; a pass still running when
 * the next is due is skipped, never run twice at once. A failed pass goes to `onError` and the next
 * one runs as usual. The timer does not keep the process alive.
 */
export function periodic(
  pass: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: Error) => void,
): { start(): void; stop(): void } {
  let handle: NodeJS.Timeout | undefined;
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    pass()
      .catch((err: unknown) => onError(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        busy = false;
      });
  };
  return {
    start() {
      if (handle) return;
      handle = setInterval(tick, intervalMs);
      handle.unref();
      tick();
    },
    stop() {
      clearInterval(handle);
      handle = undefined;
    },
  };
}
