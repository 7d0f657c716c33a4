import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { joinTransaction, type SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { newId } from '../../platform/ids.ts';
import type { notificationView } from './contracts.ts';
import type { CallerTransaction } from './mailer.ts';
import type { NoticeTemplateId } from './templates.ts';

/**
 * In-app notices (the bell in the portal). E-mail goes through Mailer; callers usually do both.
 * `kind` is the notice's template id (templates.ts); `link` is a path of the web app ("Open").
 */
export type Notification = z.infer<typeof notificationView>;

export class NotificationService {
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  constructor(db: Kysely<any>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async notify(
    userIds: string[],
    n: { kind: NoticeTemplateId; title: string; body: string; link?: string; orgId?: string | null },
    tx?: CallerTransaction,
  ): Promise<void> {
    if (userIds.length === 0) return;
    const now = this.#clock.nowMs();
    // Both forms are the caller's transaction at run time (TODO(25): only SharedTransaction).
    await joinTransaction(this.#db, tx as SharedTransaction | undefined)
      .insertInto('notifications')
      .values(
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
      )
      .execute();
  }

  async list(userId: string, limit = 50): Promise<Notification[]> {
    const rows = await this.#db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(Math.min(limit, 200))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      kind: r.kind,
      title: r.title,
      body: r.body,
      link: r.link,
      orgId: r.org_id,
      readAt: r.read_at,
    }));
  }

  /** Marks one of the user's own notifications read; false when it is not theirs. */
  async markRead(userId: string, id: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('notifications')
      .set({ read_at: this.#clock.now().toISOString() })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
