import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../../platform/http/route.ts';
import type { Mailer } from './mailer.ts';
import type { NotificationService } from './notification-service.ts';

const mail = z.object({
  id: z.string(),
  createdAt: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  kind: z.string(),
  status: z.string(),
});

const notification = z.object({
  id: z.string(),
  createdAt: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  orgId: z.string().nullable(),
  readAt: z.string().nullable(),
});

export function notificationRoutes(deps: {
  mailer: Mailer;
  notifications: NotificationService;
  devMailbox: boolean;
}): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/dev/mail',
      operationId: 'listDevMail',
      summary: 'Development mailbox: every message the portal sent, newest first (disabled in production)',
      tags: ['development'],
      auth: 'public',
      query: z.object({
        to: z.string().max(254).optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
      response: z.object({ items: z.array(mail).max(500) }),
      handler: async ({ query }) => {
        if (!deps.devMailbox) throw new AppError('dev_mailbox_disabled');
        return { items: await deps.mailer.list(query) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/me/notifications',
      operationId: 'listNotifications',
      summary: 'Your in-app notifications, newest first',
      tags: ['notifications'],
      auth: 'user-any-status',
      response: z.object({ items: z.array(notification).max(200) }),
      handler: async ({ principal }) => ({ items: await deps.notifications.list(principal!.userId) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/me/notifications/:notificationId/read',
      operationId: 'markNotificationRead',
      summary: 'Mark one of your notifications as read',
      tags: ['notifications'],
      auth: 'user-any-status',
      params: z.object({ notificationId: z.string().max(40) }),
      response: z.object({ ok: z.boolean() }),
      handler: async ({ principal, params }) => {
        if (!(await deps.notifications.markRead(principal!.userId, params.notificationId))) {
          throw new AppError('not_found');
        }
        return { ok: true };
      },
    }),
  ];
}
