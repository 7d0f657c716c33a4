/** What other modules may ask about users (terms notices, apps' mail to members). */
export type UserDirectory = {
  getUser(userId: string): Promise<{ id: string; email: string; name: string; status: string } | null>;
  /** Every user who can currently sign in (for terms notices). */
  listActiveUserIds(): Promise<string[]>;
};
