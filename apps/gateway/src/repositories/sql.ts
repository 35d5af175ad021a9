/** A unique key refused the row (MySQL and MariaDB: ER_DUP_ENTRY, 1062), as TypeORM and mysql2 report it. */
export function isDuplicateKey(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === 'ER_DUP_ENTRY' || errno === 1062;
}

/** `text` matched literally inside a LIKE pattern (backslash is MySQL's default LIKE escape). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
