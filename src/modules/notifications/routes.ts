import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type AnyRoute, defineRoute } from '../../platform/http/route.ts';
import { type DevMailboxMode, isLoopbackHostHeader } from './dev-mailbox.ts';
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
  /** See dev-mailbox.ts: off, loopback only, or (DEV_MAILBOX_UNSAFE_PUBLIC) open to anyone. */
  devMailbox: DevMailboxMode;
}): AnyRoute[] {
  const exposure = deps.devMailbox === 'unsafe-public' ? 'unsafe-public' : 'loopback';
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/dev/mail',
      operationId: 'listDevMail',
      summary: 'Development mailbox: every message the portal sent, newest first (local development only)',
      description:
        'Shows reset, activation and invitation links, so it is served only outside production to a server listening on a loopback address, and then only to requests whose Host is localhost, 127.x.x.x or [::1] (403 `dev_mailbox_host_refused` otherwise, which stops DNS rebinding). DEV_MAILBOX_UNSAFE_PUBLIC=true serves it on any address to any Host; `exposure` then says `unsafe-public`.',
      tags: ['development'],
      auth: 'public',
      query: z.object({
        to: z.string().max(254).optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
      response: z.object({
        items: z.array(mail).max(500),
        exposure: z
          .enum(['loopback', 'unsafe-public'])
          .describe('unsafe-public: anyone who can reach the server can read this mailbox'),
      }),
      errors: ['dev_mailbox_disabled', 'dev_mailbox_host_refused'],
      handler: async ({ query, req, reply }) => {
        // The answer holds live secrets: no cache may keep it.
        reply.header('cache-control', 'no-store');
        if (deps.devMailbox === 'off') throw new AppError('dev_mailbox_disabled');
        if (deps.devMailbox === 'loopback' && !isLoopbackHostHeader(req.headers.host)) {
          throw new AppError('dev_mailbox_host_refused');
        }
        return { items: await deps.mailer.list(query), exposure };
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
