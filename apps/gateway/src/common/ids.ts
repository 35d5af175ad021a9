import { applyDecorators } from '@nestjs/common';
import { IsInt, IsPositive, Matches, Max, Min } from 'class-validator';

/** Users and rooms have INT UNSIGNED ids: anything larger can only be a mistake. */
export const MAX_ID = 4_294_967_295;

/** A user or room id. */
export const IsId = (options?: { each?: boolean }) => applyDecorators(IsInt(options), IsPositive(options), Max(MAX_ID, options));

/** A room seq (or a cursor on it): a non-negative integer JavaScript represents exactly. */
export const IsSeq = () => applyDecorators(IsInt(), Min(0), Max(Number.MAX_SAFE_INTEGER));

/** Every socket event about one room carries its id as `room`. */
export class RoomEventDto {
  @IsId()
  room!: number;
}

/** Message and attachment ids: ULIDs (Crockford base32, 26 characters). */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const IsUlid = (what: string, options?: { each?: boolean }) =>
  Matches(ULID_PATTERN, {
    ...options,
    message: `${what} must be ${options?.each ? '' : 'a '}26-character ULID${options?.each ? 's' : ''}`,
  });
