/** Restore-side checks of the tar stream before it reaches `tar --extract`. */
export type { MemberInfo, MemberGuardOptions } from './member-guard';
export { MemberGuard } from './member-guard';
export { LinkTracker, memberPath } from './link-tracker';
