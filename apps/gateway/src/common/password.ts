import { textProblem, ValidateText } from './text';

/** bcrypt hashes the first 72 bytes of the UTF-8 encoding and ignores everything after them. */
export const BCRYPT_MAX_BYTES = 72;

export const NEW_PASSWORD_DESCRIPTION = `8-128 characters, and at most ${BCRYPT_MAX_BYTES} bytes in UTF-8 (bcrypt ignores the rest)`;

export function newPasswordProblem(value: unknown, property = 'password'): string | undefined {
  const problem = textProblem(value, property, { min: 8, max: 128 });
  if (problem || typeof value !== 'string') return problem;
  if (Buffer.byteLength(value, 'utf8') > BCRYPT_MAX_BYTES)
    return `${property} must be at most ${BCRYPT_MAX_BYTES} bytes in UTF-8 (bcrypt ignores the rest)`;
  return undefined;
}

/**
 * A password about to be hashed (registration, change): 8–128 characters (the contract) and at most 72
 * UTF-8 bytes, so that every character of it counts.
 */
export const IsNewPassword = () => ValidateText('isNewPassword', newPasswordProblem);
