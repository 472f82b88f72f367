import { INFORMED_ONLY_PARTNERSHIP_ROLES } from '@resolve/protocols';
import { BOARD_ROLES } from '../records/records.service';
import type { PageContext } from './web-renderer';
import type { SignedInRequest } from './web-request';
import type { Caller } from '../auth/caller';

/** Whether the person holds a board role: the dashboard and the partnership's reports are theirs. */
export const isBoard = (caller: Caller) =>
  caller.partnershipRoles.some((r) => (BOARD_ROLES as readonly string[]).includes(r));

/** Whether the person administers the partnership's directory (agencies, people, roles). */
export const isAdministrator = (caller: Caller) =>
  caller.partnershipRoles.includes('partnership-administrator');

/** Whether the person holds an informed-only role, whose forms are listed at /lodged. */
export const receivesLodgedForms = (caller: Caller) =>
  caller.partnershipRoles.some((r) => (INFORMED_ONLY_PARTNERSHIP_ROLES as readonly string[]).includes(r));

/** The layout's part of a page's context: who is signed in, the CSRF token, the navigation. */
export function pageContext(req: Partial<SignedInRequest>, section?: PageContext['section']): PageContext {
  if (!req.web) return { signedInAs: null };
  const items = [
    { href: '/cases', text: 'My cases', section: 'cases' },
    { href: '/raise', text: 'Raise an escalation', section: 'raise' },
    ...(isBoard(req.web.caller) ? [{ href: '/dashboard', text: 'Dashboard', section: 'dashboard' }] : []),
    ...(receivesLodgedForms(req.web.caller)
      ? [{ href: '/lodged', text: 'Lodged forms', section: 'lodged' }]
      : []),
    ...(isAdministrator(req.web.caller)
      ? [{ href: '/directory', text: 'Directory', section: 'directory' }]
      : []),
  ];
  return {
    signedInAs: req.web.personName,
    csrfToken: req.web.session.csrfToken,
    section,
    navigation: items.map(({ section: s, ...item }) => ({ ...item, active: s === section })),
  };
}
