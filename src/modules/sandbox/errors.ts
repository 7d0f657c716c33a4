/**
 * The sandbox answers no codes of its own: its portal routes fail with General codes, and its
 * network operations answer in 1LINK's formats (response codes), not with error codes.
 */
export const sandboxErrors = {} as const;
