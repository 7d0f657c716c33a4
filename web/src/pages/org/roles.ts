import type { Org } from '../../api/views.ts';

/** What the signed-in member may do in an organisation (owners and admins administer). */
const ADMIN = new Set(['owner', 'admin']);
export function canAdmin(org: Org | undefined): boolean {
  return !!org && ADMIN.has(org.myRole);
}
export function canDevelop(org: Org | undefined): boolean {
  return !!org && (ADMIN.has(org.myRole) || org.myRole === 'developer');
}
