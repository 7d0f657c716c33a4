/** The operator area's query keys. */
export const operatorKeys = {
  orgs: ['admin-orgs'],
  app: (appId: string) => ['admin-app', appId],
  pendingAccounts: ['admin-accounts', 'pending'],
  subscriptions: ['admin-subs'],
  limitRequests: ['admin-limits'],
  productionRequests: ['admin-prod'],
  reviewers: (participantId: string) => ['reviewers', participantId],
  reviewOrgs: ['review-orgs'],
  apps: (status: string) => ['admin-apps', status],
  barred: ['barred'],
  autoApprove: ['auto-approve'],
  screening: ['screening'],
  identitySettings: ['identity-settings'],
  products: ['admin-products'],
  auditVerification: ['audit-verification'],
  auditEvents: (query: string, cursor: string) => ['audit-events', query, cursor],
} as const;
