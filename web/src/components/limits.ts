/** The limits a developer may ask to raise (the values the limit-request operation accepts). */
export const LIMIT_KINDS = [
  'rate:second',
  'rate:minute',
  'rate:hour',
  'rate:day',
  'rate:week',
  'quota:day',
  'quota:month',
  'end-users',
  'burst',
] as const;

export const LIMIT_LABELS: Record<string, string> = {
  'rate:second': 'Calls per second',
  'rate:minute': 'Calls per minute',
  'rate:hour': 'Calls per hour',
  'rate:day': 'Calls per day (rate)',
  'rate:week': 'Calls per week (rate)',
  'quota:day': 'Daily quota',
  'quota:month': 'Monthly quota',
  'end-users': 'Distinct end users',
  burst: 'Burst',
};
