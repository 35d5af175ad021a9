import type { SiteRole } from '@chat/contracts';

/** The claims of a verified access token, as handlers see them. */
export interface AuthUser {
  id: number;
  role: SiteRole;
  /** Token id, for revocation. */
  jti: string;
  /** Issued at, epoch seconds. */
  iat: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

export interface TokenClaims {
  sub: number;
  role: SiteRole;
  jti: string;
  iat: number;
  exp: number;
}
