import { AppError } from '../../platform/errors.ts';

/**
 * A requested end (a client secret's expiry, a limit's end): null stays null; a readable future
 * date-time comes back as ISO; anything else is refused as `expiresAt` (400 validation_failed),
 * as the portal has always reported it.
 */
export function futureExpiry(expiresAt: string | null, nowMs: number): string | null {
  if (!expiresAt) return null;
  const ms = Date.parse(expiresAt);
  if (!Number.isFinite(ms) || ms <= nowMs) {
    throw new AppError('validation_failed', {
      details: [
        { in: 'body', field: 'expiresAt', code: 'invalid_date', message: 'must be a future date-time' },
      ],
    });
  }
  return new Date(ms).toISOString();
}
