import Type, { type Static } from 'typebox';

/** Who a key acts as. Admin may do everything; the others only what a route grants them. */
export const ROLES = ['admin', 'organiser', 'analyst', 'enterprise'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = Type.Union([
  Type.Literal('admin'),
  Type.Literal('organiser'),
  Type.Literal('analyst'),
  Type.Literal('enterprise'),
]);

/**
 * Who may call a route, declared next to its schema: `'public'` (no key needed), or the roles
 * besides admin that may call it.
 */
export type Access = 'public' | readonly Exclude<Role, 'admin'>[];

/** The caller of a request, resolved once from its API key. */
export interface Principal {
  keyId: string;
  role: Role;
  /** The organisation an enterprise key acts for (null for platform keys). */
  organisationId: string | null;
  name: string;
}

export const PrincipalSchema = Type.Object({
  keyId: Type.String(),
  role: RoleSchema,
  organisationId: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
});
export type PrincipalView = Static<typeof PrincipalSchema>;

/** True when `p` may call a route declared with `access`. */
export function allowed(access: Access, p: Principal | undefined): boolean {
  if (access === 'public') return true;
  if (!p) return false;
  return p.role === 'admin' || (access as readonly Role[]).includes(p.role);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; every route must say (see src/auth/plugin.ts). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The caller, when the request carried a valid key. */
    principal?: Principal;
  }
}
