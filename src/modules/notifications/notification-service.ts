import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { newId } from '../../platform/ids.ts';
import type { notificationView } from './contracts.ts';
import { type NoticeRow, NotificationsStore } from './notifications-store.ts';
import type { NotificationsTables } from './tables.ts';
import type { NoticeTemplateId } from './templates.ts';

/**
 * In-app notices (the bell in the portal). E-mail goes through Mailer; callers usually do both.
 * `kind` is the notice's template id (templates.ts); `link` is a path of the web app ("Open").
 */
export type Notification = z.infer<typeof notificationView>;

export class NotificationService {
  readonly #store: NotificationsStore;
  readonly #clock: Clock;
  constructor(db: Kysely<NotificationsTables>, clock: Clock) {
    this.#store = new NotificationsStore(db);
    this.#clock = clock;
  }

  async notify(
    userIds: string[],
    n: { kind: NoticeTemplateId; title: string; body: string; link?: string; orgId?: string | null },
    tx?: SharedTransaction,
  ): Promise<void> {
    if (userIds.length === 0) return;
    const now = this.#clock.nowMs();
    await this.#store.insertNotices(
      [...new Set(userIds)].map((userId) => ({
        id: newId('ntf', now),
        user_id: userId,
        org_id: n.orgId ?? null,
        created_at: new Date(now).toISOString(),
        kind: n.kind,
        title: n.title,
        body: n.body,
        link: n.link ?? null,
      })),
      // Both forms are the caller's transaction at run time (TODO(25): only SharedTransaction).
      tx,
    );
  }

  async list(userId: string, limit = 50): Promise<Notification[]> {
    const rows = await this.#store.listNotices(userId, Math.min(limit, 200));
    return rows.map(toView);
  }

  /** Marks one of the user's own notifications read; false when it is not theirs. */
  markRead(userId: string, id: string): Promise<boolean> {
    return this.#store.markNoticeRead(userId, id, this.#clock.now().toISOString());
  }
}

function toView(r: NoticeRow): Notification {
  return {
    id: r.id,
    createdAt: r.created_at,
    kind: r.kind,
    title: r.title,
    body: r.body,
    link: r.link,
    orgId: r.org_id,
    readAt: r.read_at,
  };
}
