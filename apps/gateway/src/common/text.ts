import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';
import { MODERATION_REASON_MAX_LENGTH } from '@chat/contracts';

/** `String.prototype.isWellFormed` (Node 20, ES2024): false when the string holds a lone surrogate. */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Lone surrogates cannot be encoded as UTF-8: MySQL would store U+FFFD in their place. */
export const notWellFormed = (what: string) => `${what} must be well-formed UTF-16 text (it contains a lone surrogate)`;

/**
 * Characters as MySQL counts them in a VARCHAR(n): code points. class-validator's Length counts a
 * character and the variation selector after it as one, so 32 × '❤️' (U+2764 U+FE0F) would pass
 * Length(1, 32) and then overflow VARCHAR(32).
 */
export const characterCount = (text: string): number => [...text].length;

/** A class-validator rule from one function that names what is wrong (undefined: nothing). */
export function ValidateText(name: string, problem: (value: unknown, property: string) => string | undefined) {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => problem(value, args?.property ?? 'value') === undefined,
      defaultMessage: (args?: ValidationArguments) => problem(args?.value, args?.property ?? 'value') ?? `${args?.property} is invalid`,
    },
  });
}

export function textProblem(value: unknown, property: string, length?: { min: number; max: number }): string | undefined {
  if (typeof value !== 'string') return `${property} must be a string`;
  if (!isWellFormed(value)) return notWellFormed(property);
  if (!length) return undefined;
  const count = characterCount(value);
  if (count < length.min || count > length.max) return `${property} must be ${length.min}-${length.max} characters long`;
  return undefined;
}

/** A string of well-formed UTF-16; with a length, min–max characters counted as MySQL counts them. */
export const IsText = (length?: { min: number; max: number }) =>
  ValidateText('isText', (value, property) => textProblem(value, property, length));

export const NICKNAME_MAX_LENGTH = 32;

/** They reorder the text around them: 'abc\u202Egpj.exe' shows as 'abcexe.jpg'. */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * What renders as nothing: whitespace and separators, controls and format characters (zero-width
 * space and joiners, word joiner, BOM, U+180E), the default-ignorable code points (Hangul fillers
 * U+115F, U+1160, U+3164, U+FFA0; variation selectors; soft hyphen) and the blank Braille pattern U+2800.
 * Inside a visible nickname they are fine: ZWJ emoji sequences need U+200D.
 */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]+$/u;

export const NICKNAME_DESCRIPTION =
  `Stored NFC-normalised; 1-${NICKNAME_MAX_LENGTH} characters (code points) after that. Refused: bidi controls ` +
  '(U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) and nicknames of invisible characters only (whitespace, zero-width, fillers)';

export function nicknameProblem(value: unknown, property = 'nickname'): string | undefined {
  const problem = textProblem(value, property, { min: 1, max: NICKNAME_MAX_LENGTH });
  if (problem || typeof value !== 'string') return problem;
  if (BIDI_CONTROL.test(value))
    return `${property} must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)`;
  if (INVISIBLE_ONLY.test(value)) return `${property} must contain a visible character, not only whitespace or invisible characters`;
  return undefined;
}

const toNfc = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.normalize('NFC') : value);

/**
 * The one nickname rule (register, guest, rename): normalised to NFC first, so 'e\u0301' and
 * 'é' are the same name, are stored alike and are measured after normalisation.
 */
export const IsNickname = () => applyDecorators(Transform(toNfc), ValidateText('isNickname', nicknameProblem));

/** Why a moderator kicked or banned, or an admin banned site-wide: shown to the user. */
export const IsReason = () => IsText({ min: 1, max: MODERATION_REASON_MAX_LENGTH });
