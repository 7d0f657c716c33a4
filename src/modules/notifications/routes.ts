import { AppError } from '../../platform/errors.ts';
import { implement } from '../../platform/http/contract.ts';
import { notificationsContracts } from './contracts.ts';
import { type DevMailboxMode, isLoopbackHostHeader } from './dev-mailbox.ts';
import type { Mailer } from './mailer.ts';
import type { NotificationService } from './notification-service.ts';

export function notificationRoutes(deps: {
  mailer: Mailer;
  notifications: NotificationService;
  /** See dev-mailbox.ts: off, loopback only, or (DEV_MAILBOX_UNSAFE_PUBLIC) open to anyone. */
  devMailbox: DevMailboxMode;
}) {
  const exposure = deps.devMailbox === 'unsafe-public' ? ('unsafe-public' as const) : ('loopback' as const);
  return implement(notificationsContracts, {
    listDevMail: async ({ query, req, reply }) => {
      // The answer holds live secrets: no cache may keep it.
      reply.header('cache-control', 'no-store');
      if (deps.devMailbox === 'off') throw new AppError('dev_mailbox_disabled');
      if (deps.devMailbox === 'loopback' && !isLoopbackHostHeader(req.headers.host)) {
        throw new AppError('dev_mailbox_host_refused');
      }
      return { items: await deps.mailer.list(query), exposure };
    },
    listNotifications: async ({ principal }) => ({
      items: await deps.notifications.list(principal!.userId),
    }),
    markNotificationRead: async ({ principal, params }) => {
      if (!(await deps.notifications.markRead(principal!.userId, params.notificationId))) {
        throw new AppError('not_found');
      }
      return { ok: true };
    },
  });
}
