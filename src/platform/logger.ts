import { type Logger, pino } from 'pino';

/**
 * JSON logs. Anything that could hold a secret is redacted by path, so a careless `log.info(obj)`
 * cannot leak a password, a client secret, a token or a session cookie.
 */
const redactPaths = [
  'password',
  'newPassword',
  'currentPassword',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'access_token',
  'totpSecret',
  'code',
  'recoveryCodes',
  '*.password',
  '*.newPassword',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.token',
  '*.access_token',
  '*.totpSecret',
  '*.recoveryCodes',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-ibm-client-secret"]',
  'req.headers["x-client-secret"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'darwaza' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}

export type { Logger };
