import type { ValueTransformer } from 'typeorm';

/** BIGINT columns that hold sequence numbers: always far below 2^53, so plain numbers are safe. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** MySQL has no boolean: TINYINT(1) comes back as 0/1. */
export const tinyBoolean: ValueTransformer = {
  to: (value: boolean | undefined) => value,
  from: (value: number | boolean | null) => Boolean(value),
};
