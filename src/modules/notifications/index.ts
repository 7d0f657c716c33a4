import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { defineModule } from '../../platform/module.ts';
import { notificationsContracts } from './contracts.ts';
import type { DevMailboxMode } from './dev-mailbox.ts';
import { notificationsErrors } from './errors.ts';
import { Mailer } from './mailer.ts';
import { migrations } from './migrations.ts';
import { NotificationService } from './notification-service.ts';
import { notificationRoutes } from './routes.ts';
import type { NotificationsTables } from './tables.ts';

/**
 * E-mail (the sealed outbox, sent by SMTP when configured) and in-app notices (the portal's bell).
 * Other modules send through the `MailOutbox` and `Notices` ports, inside their own transaction,
 * so a message exists exactly when the change it announces commits.
 */
export { devMailboxMode, devMailboxStartNote } from './dev-mailbox.ts';
export { notificationsErrors } from './errors.ts';
export type { Mailer, MailMessage } from './mailer.ts';
export type { NotificationService } from './notification-service.ts';
export { type NotificationsTables, notificationsTables } from './tables.ts';
/** Every e-mail and notice template (the browser suite follows every link of each). */
export { type TemplateId, templates } from './templates.ts';

/** What other modules do with e-mail: put a message in the outbox (and tests read it back). */
export type MailOutbox = Pick<Mailer, 'send' | 'list'>;
/** What other modules do with in-app notices: notify users (and tests read them back). */
export type Notices = Pick<NotificationService, 'notify' | 'list'>;

export type NotificationsDeps = {
  db: Kysely<NotificationsTables>;
  clock: Clock;
  /** Seals the outbox's subjects and bodies (mailer.ts). */
  keyring: Keyring;
  log: Logger;
  /** SMTP_URL: when set, messages are sent as well as stored. */
  smtpUrl?: string;
  /** MAIL_FROM. */
  from: string;
  /** Whether the development mailbox answers (`devMailboxMode(config)`). */
  devMailbox: DevMailboxMode;
};

/**
 * The ports are the services themselves for now (consumers that still take the classes keep
 * compiling); consumers should type their dependencies as `MailOutbox` / `Notices`.
 */
export type NotificationsPorts = { mailer: Mailer; notifications: NotificationService };

export const notificationsModule = defineModule<NotificationsDeps, NotificationsPorts>({
  name: 'notifications',
  migrations,
  errors: notificationsErrors,
  contracts: notificationsContracts,
  subscribes: [],
  async create({ db, clock, keyring, log, smtpUrl, from, devMailbox }) {
    const mailer = new Mailer({ db, clock, keyring, smtpUrl, from, log });
    // Outbox rows from before sealing are sealed before anything can read them (mailer.ts).
    await mailer.sealPlaintextRows();
    const notifications = new NotificationService(db, clock);
    return {
      ports: { mailer, notifications },
      routes: notificationRoutes({ mailer, notifications, devMailbox }),
      // Deliveries in flight finish before the pools close (graceful shutdown).
      close: () => mailer.drain(),
    };
  },
});
