import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { body, pipe, refusal } from './validation-refusal';
import { GuestDto, RegisterDto } from '../auth/dto/auth.dto';
import { UpdateUserDto } from '../users/dto/user.dto';
import { CreateRoomDto } from '../rooms/dto/room.dto';
import { PostMessageDto } from '../messages/dto/message.dto';

/** The three places a nickname is chosen, each as its own DTO would carry it. */
const nicknameBodies = [
  ['register', RegisterDto, (nickname: unknown) => ({ email: 'a@example.com', password: 'password1', nickname })],
  ['guest', GuestDto, (nickname: unknown) => ({ nickname })],
  ['PATCH /users/:id', UpdateUserDto, (nickname: unknown) => ({ nickname })],
] as const;

const accepted: [name: string, sent: string, stored: string][] = [
  ['Korean', '김철수', '김철수'],
  ['Latin with a space', 'Jane Doe', 'Jane Doe'],
  ['an emoji', '😀', '😀'],
  ['a ZWJ emoji sequence', '👩‍👩‍👧', '👩‍👩‍👧'],
  ['a flag and a skin tone', '🇰🇷👍🏽', '🇰🇷👍🏽'],
  ['a combining mark (stored composed)', 'e\u0301', '\u00e9'],
  ['a combining mark with no precomposed form', 'q\u0307', 'q\u0307'],
  ['Hangul jamo (stored as syllables)', '\u1100\u1161\u11a8', '각'],
  ['32 emoji', '😀'.repeat(32), '😀'.repeat(32)],
  ['64 code points composing into 32', 'e\u0301'.repeat(32), '\u00e9'.repeat(32)],
  ['zero-width characters around visible ones', '\u200Bbob\u200B', '\u200Bbob\u200B'],
  ['Arabic', 'سارا', 'سارا'],
];

const refused: [name: string, nickname: unknown, message: RegExp][] = [
  ['empty', '', /1-32 characters/],
  ['33 characters', 'a'.repeat(33), /1-32 characters/],
  ['33 emoji', '😀'.repeat(33), /1-32 characters/],
  ['32 hearts with VS16 (64 code points)', '❤️'.repeat(32), /1-32 characters/],
  ['33 characters once composed', 'e\u0301'.repeat(33), /1-32 characters/],
  ['a number', 42, /must be a string/],
  ['null', null, /must be a string/],
  ['RIGHT-TO-LEFT OVERRIDE', 'abc\u202Egpj.exe', /bidirectional control/],
  ['LEFT-TO-RIGHT EMBEDDING', '\u202Aadmin', /bidirectional control/],
  ['POP DIRECTIONAL FORMATTING', 'admin\u202C', /bidirectional control/],
  ['RIGHT-TO-LEFT ISOLATE', 'a\u2067b', /bidirectional control/],
  ['FIRST STRONG ISOLATE', 'a\u2068b', /bidirectional control/],
  ['POP DIRECTIONAL ISOLATE', 'a\u2069b', /bidirectional control/],
  ['LEFT-TO-RIGHT MARK', 'bob\u200E', /bidirectional control/],
  ['RIGHT-TO-LEFT MARK', '\u200Fbob', /bidirectional control/],
  ['ARABIC LETTER MARK', 'سارا\u061C', /bidirectional control/],
  ['a space', ' ', /visible character/],
  ['spaces and tabs', ' \t ', /visible character/],
  ['a newline', '\n', /visible character/],
  ['NBSP and ideographic space', '\u00A0\u3000', /visible character/],
  ['zero-width spaces', '\u200B\u200B\u200B', /visible character/],
  ['a ZWJ and a ZWNJ', '\u200D\u200C', /visible character/],
  ['WORD JOINER', '\u2060', /visible character/],
  ['BOM', '\uFEFF', /visible character/],
  ['MONGOLIAN VOWEL SEPARATOR', '\u180E', /visible character/],
  ['HANGUL FILLER', '\u3164', /visible character/],
  ['HANGUL CHOSEONG and JUNGSEONG FILLERS', '\u115F\u1160', /visible character/],
  ['HALFWIDTH HANGUL FILLER', '\uFFA0', /visible character/],
  ['LINE and PARAGRAPH SEPARATORS', '\u2028\u2029', /visible character/],
  ['a soft hyphen', '\u00AD', /visible character/],
  ['BRAILLE PATTERN BLANK', '\u2800', /visible character/],
  ['a variation selector', '\uFE0F', /visible character/],
  ['a tag character', '\u{E0041}', /visible character/],
  ['NUL', '\u0000', /visible character/],
  ['a lone surrogate', 'bob\uD800', /well-formed UTF-16/],
];

describe('nicknames', () => {
  for (const [where, metatype, payload] of nicknameBodies) {
    describe(where, () => {
      for (const [name, sent, stored] of accepted) {
        it(`accepts ${name}, stored NFC`, async () => {
          const dto = (await pipe.transform(payload(sent), body(metatype))) as { nickname: string };
          assert.equal(dto.nickname, stored);
        });
      }
      for (const [name, nickname, message] of refused) {
        // A guest may send null for "pick one for me", as when the field is left out.
        if (metatype === GuestDto && nickname === null) continue;
        it(`refuses ${name}`, async () => {
          assert.match(await refusal(payload(nickname), body(metatype)), message);
        });
      }
    });
  }
  it('is still optional for guests and on PATCH', async () => {
    assert.equal(((await pipe.transform({}, body(GuestDto))) as GuestDto).nickname, undefined);
    assert.equal(((await pipe.transform({ nickname: null }, body(GuestDto))) as GuestDto).nickname, null);
    const update = (await pipe.transform({ password: 'password1' }, body(UpdateUserDto))) as UpdateUserDto;
    assert.equal(update.nickname, undefined);
    assert.equal(update.password, 'password1');
  });
});

describe('text fields (IsText)', () => {
  it('measures length in code points, as MySQL VARCHAR does', async () => {
    await pipe.transform({ name: '❤️'.repeat(50) }, body(CreateRoomDto));
    assert.match(await refusal({ name: '❤️'.repeat(51) }, body(CreateRoomDto)), /name must be 1-100 characters/);
    await pipe.transform({ content: '😀'.repeat(4000) }, body(PostMessageDto));
    assert.match(await refusal({ content: '❤️'.repeat(2001) }, body(PostMessageDto)), /content must be 1-4000 characters/);
  });
  it('refuses non-strings and lone surrogates', async () => {
    assert.equal(await refusal({ content: 5 }, body(PostMessageDto)), 'content must be a string');
    assert.match(await refusal({ content: 'a\uDFFFb' }, body(PostMessageDto)), /content must be well-formed UTF-16/);
  });
});
