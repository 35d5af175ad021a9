import { DEMO_JWT_SECRET } from './env.schema';

/** HMAC-SHA256 keys shorter than the hash add nothing but guessability. */
export const MIN_SECRET_BYTES = 32;

/**
 * Every secret-like value this repository has ever published (docs, compose fallbacks, examples).
 * Anyone can read them, so a production deployment must never sign with one. config.spec.ts
 * scans the repository for JWT_SECRET assignments and fails if production would accept one.
 */
export const PUBLISHED_SECRETS: readonly string[] = [DEMO_JWT_SECRET, 'change-me-in-production-please'];

const PLACEHOLDER =
  /change.?me|replace.?me|placeholder|example|your.?(jwt.?)?secret|insecure|do.?not.?use|not.?secret|^secret|password|todo|xxxx/i;

/** Why `secret` must not sign production tokens, or null when it may. */
export function weakSecretReason(secret: string): string | null {
  if (PUBLISHED_SECRETS.includes(secret)) return 'it is published in this repository';
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) return `it must be at least ${MIN_SECRET_BYTES} bytes`;
  if (PLACEHOLDER.test(secret)) return 'it looks like a placeholder';
  // 'aaaa…', 'abab…', '1234…': a generated secret of 32+ characters has far more distinct ones.
  if (new Set(secret).size < 10) return 'it is too repetitive to be random';
  return null;
}
