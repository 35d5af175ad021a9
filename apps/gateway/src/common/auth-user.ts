import type { SiteRole } from '@chat/contracts';

/** A verified access token, with the user's site role as the database has it now. */
export interface AuthUser {
  id: number;
  /** From the user's row (cached briefly), never from the token alone. */
  role: SiteRole;
  /** Token id, for revocation. */
  jti: string;
  /** Issued at, epoch seconds. */
  iat: number;
  /** Issued at, epoch ms: compared with a user's revocation cut-off, which a second is too coarse for. */
  issuedAtMs: number;
  /** Expiry, epoch seconds. */
  exp: number;
}

export interface TokenClaims {
  sub: number;
  /** Informational for clients; the server reads the role from the database. */
  role: SiteRole;
  jti: string;
  iat: number;
  /** Issue instant in ms (absent from tokens of older releases: then iat × 1000). */
  iat_ms?: number;
  exp: number;
}
