/**
 * Password hashes of the demo accounts (demo-seed.sql: every password is "1234"). In production
 * they never log anyone in, even if the demo data was loaded by mistake.
 */
export const DEMO_PASSWORD_HASHES: ReadonlySet<string> = new Set(['$2b$10$S432c.aDiOMyzY3WtpOoE.sfLq2myMI9M2OlcbHDrpM01LBuuflsW']);

/** Registration and password changes require this many characters; only seeded accounts have shorter ones. */
export const MIN_PASSWORD_LENGTH = 8;
