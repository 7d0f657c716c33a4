/** The audit module answers no codes of its own (its one route fails only with General codes). */
export const auditErrors = {} as const;
