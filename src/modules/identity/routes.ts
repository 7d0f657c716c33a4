import type { FastifyReply } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { identityContracts } from './contracts.ts';
import { type IdentityService, SESSION_COOKIE } from './identity-service.ts';
import { sessionTokenOf } from './session-authenticator.ts';

function setSessionCookie(reply: FastifyReply, value: string, maxAgeS: number): void {
  reply.setCookie(SESSION_COOKIE, value, {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    maxAge: maxAgeS,
  });
}

export function identityRoutes(identity: IdentityService) {
  return implement(identityContracts, {
    // ------------------------------------------------------------------ sign-up and activation
    signUp: async (ctx) => identity.signUp(ctx.body, contextOf(ctx)),
    activateAccount: async (ctx) => identity.activateAccount(ctx.body.token, contextOf(ctx)),
    resendActivation: async (ctx) => {
      await identity.resendActivation(ctx.body.email, contextOf(ctx));
      return { status: 'accepted' as const };
    },
    // ------------------------------------------------------------------ sessions
    createSession: async (ctx) => {
      // The answer carries the CSRF token (and with bearer delivery the session token): no cache
      // may keep it. Set first, so refusals (423 and the rest) carry it as well.
      ctx.reply.header('cache-control', 'no-store');
      const r = await identity.createSession(ctx.body, contextOf(ctx));
      const maxAge = Math.max(
        1,
        Math.floor((Date.parse(r.session.expiresAt) - Date.parse(r.session.createdAt)) / 1000),
      );
      const { token, ...rest } = r;
      if (ctx.body.tokenDelivery === 'bearer') return { token, ...rest };
      setSessionCookie(ctx.reply, token, maxAge);
      return rest;
    },
    getSession: async ({ principal, req, reply }) => {
      // Carries the session's CSRF token: no cache may keep it.
      reply.header('cache-control', 'no-store');
      return identity.getSession(principal!, sessionTokenOf(req)!.token);
    },
    deleteSession: async (ctx) => {
      await identity.revokeSession(ctx.principal!, ctx.principal!.sessionId, contextOf(ctx));
      setSessionCookie(ctx.reply, '', 0);
      return null;
    },
    listSessions: async ({ principal }) => ({ items: await identity.listSessions(principal!) }),
    revokeSession: async (ctx) => {
      await identity.revokeSession(ctx.principal!, ctx.params.sessionId, contextOf(ctx));
      return null;
    },
    // ------------------------------------------------------------------ second factor
    enrollTotp: async (ctx) => identity.enrollTotp(ctx.principal!, contextOf(ctx)),
    confirmTotp: async (ctx) => identity.confirmTotp(ctx.principal!, ctx.body.code, contextOf(ctx)),
    disableTotp: async (ctx) => {
      await identity.disableTotp(ctx.principal!, ctx.body, contextOf(ctx));
      return null;
    },
    regenerateRecoveryCodes: async (ctx) =>
      identity.regenerateRecoveryCodes(ctx.principal!, ctx.body.code, contextOf(ctx)),
    changePassword: async (ctx) => identity.changePassword(ctx.principal!, ctx.body, contextOf(ctx)),
    // ------------------------------------------------------------------ password reset
    requestPasswordReset: async (ctx) => {
      await identity.requestPasswordReset(ctx.body.email, contextOf(ctx));
      return { status: 'accepted' as const };
    },
    resetPassword: async (ctx) => {
      await identity.resetPassword(ctx.body, contextOf(ctx));
      return null;
    },
    // ------------------------------------------------------------------ profile
    getMe: async ({ principal }) => (await identity.getMe(principal!.userId))!,
    updateProfile: async (ctx) => identity.updateProfile(ctx.principal!, ctx.body, contextOf(ctx)),
    confirmProfile: async (ctx) => identity.confirmProfile(ctx.principal!, contextOf(ctx)),
    // ------------------------------------------------------------------ operators
    listAccounts: async ({ query }) => ({ items: await identity.listAccounts(query) }),
    approveAccount: async (ctx) => identity.approveAccount(ctx.principal!, ctx.params.userId, contextOf(ctx)),
    rejectAccount: async (ctx) =>
      identity.rejectAccount(ctx.principal!, ctx.params.userId, ctx.body.reason, contextOf(ctx)),
    requireProfileUpdate: async (ctx) => {
      await identity.requireProfileUpdate(ctx.principal!, ctx.params.userId, contextOf(ctx));
      return null;
    },
    getIdentitySettings: async () => identity.getSettings(),
    updateIdentitySettings: async (ctx) => identity.updateSettings(ctx.principal!, ctx.body, contextOf(ctx)),
    listBarredCountries: async () => ({ items: await identity.listBarredCountries() }),
    setBarredCountries: async (ctx) => ({
      items: await identity.setBarredCountries(ctx.principal!, ctx.body.items, contextOf(ctx)),
    }),
    importScreeningList: async (ctx) =>
      identity.importScreeningList(
        ctx.principal!,
        ctx.body.csv,
        { replace: ctx.body.replace },
        contextOf(ctx),
      ),
    listScreeningEntries: async () => ({ items: await identity.listScreeningEntries() }),
    exportScreeningList: async (ctx) => {
      const csv = await identity.exportScreeningListCsv(ctx.principal!, contextOf(ctx));
      ctx.reply.header('content-disposition', 'attachment; filename="screening-list.csv"');
      return csv;
    },
    listAutoApproveRules: async () => ({ items: await identity.listAutoApproveRules() }),
    createAutoApproveRule: async (ctx) =>
      identity.addAutoApproveRule(
        ctx.principal!,
        ctx.body.emailDomain,
        ctx.body.note ?? null,
        contextOf(ctx),
      ),
    deleteAutoApproveRule: async (ctx) => {
      if (!ctx.params.emailDomain) throw new AppError('not_found');
      await identity.removeAutoApproveRule(ctx.principal!, ctx.params.emailDomain, contextOf(ctx));
      return null;
    },
  });
}
