import { z } from 'zod';

/** A whole-number threshold between `min` and `max` (the 422 names the field that is out of bounds). */
export const whole = (min: number, max: number) => z.number().int().min(min).max(max);
/** A percentage, 1–100. */
export const percent = () => z.number().int().min(1).max(100);
/** A window length in seconds: 10 s to a day. */
export const seconds = () => z.number().int().min(10).max(86_400);
