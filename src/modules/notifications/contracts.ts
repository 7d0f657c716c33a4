import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';

/**
 * What an outbox row's delivery came to: `stored` (no SMTP configured: kept for the development
 * mailbox only), `queued` (handed to SMTP, outcome not yet known), `sent`, `failed` (mailer.ts).
 */
export const mailStatus = z.enum(['stored', 'queued', 'sent', 'failed']);

/** One message of the outbox as the development mailbox shows it (`OutboxEntry` is its type). */
export const outboxEntryView = z.object({
  id: z.string(),
  createdAt: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  kind: z.string(),
  status: mailStatus,
});

/** One in-app notice (`Notification` is its type); `kind` is its template id (templates.ts). */
export const notificationView = z.object({
  id: z.string(),
  createdAt: z.string(),
  kind: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  orgId: z.string().nullable(),
  readAt: z.string().nullable(),
});

export const notificationsContracts = defineContracts({
  listDevMail: {
    method: 'GET',
    url: '/api/v1/dev/mail',
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
      items: z.array(outboxEntryView).max(500),
      exposure: z
        .enum(['loopback', 'unsafe-public'])
        .describe('unsafe-public: anyone who can reach the server can read this mailbox'),
    }),
    errors: ['dev_mailbox_disabled', 'dev_mailbox_host_refused'],
  },
  listNotifications: {
    method: 'GET',
    url: '/api/v1/me/notifications',
    summary: 'Your in-app notifications, newest first',
    tags: ['notifications'],
    auth: 'user-any-status',
    response: z.object({ items: z.array(notificationView).max(200) }),
  },
  markNotificationRead: {
    method: 'POST',
    url: '/api/v1/me/notifications/:notificationId/read',
    summary: 'Mark one of your notifications as read',
    tags: ['notifications'],
    auth: 'user-any-status',
    params: z.object({ notificationId: z.string().max(40) }),
    response: z.object({ ok: z.boolean() }),
  },
});
