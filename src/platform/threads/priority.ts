import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread alone by `by` nice steps (at most to 19),
 * for background threads whose work must yield to the threads serving calls: under contention the
 * kernel gives them a smaller share of a core and their wake-ups seldom preempt a serving thread.
 * On Linux a thread's nice value is its own (`/proc/thread-self` names its kernel id); raising it
 * needs no privilege. Answers whether it took effect (false elsewhere, or when refused).
 */
export function lowerThisThreadPriority(by: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + by));
    return true;
  } catch {
    return false;
  }
}
