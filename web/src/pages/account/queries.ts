/** The account area's query keys (the session's own key is session.tsx's sessionKey). */
export const accountKeys = {
  sessions: ['sessions'],
  devMail: (to: string) => ['dev-mail', to],
  notifications: ['notifications'],
} as const;
