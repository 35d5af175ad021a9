import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { body, pipe, refusal } from './validation-refusal';
import { LoginDto, RegisterDto } from '../auth/dto/auth.dto';
import { UpdateUserDto } from '../users/dto/user.dto';

const tooManyBytes = 'password must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)';
/** '가' and every other Hangul syllable is 3 bytes in UTF-8. */
const hangul = (n: number) => '가'.repeat(n);

const newPasswordBodies = [
  ['register', RegisterDto, (password: unknown) => ({ email: 'a@example.com', password, nickname: 'alice' })],
  ['change (PATCH /users/:id)', UpdateUserDto, (password: unknown) => ({ password })],
] as const;

describe('new passwords', () => {
  for (const [where, metatype, payload] of newPasswordBodies) {
    describe(where, () => {
      const accepts = async (password: string) => {
        const dto = (await pipe.transform(payload(password), body(metatype))) as { password: string };
        assert.equal(dto.password, password);
      };
      it('accepts 72 ASCII bytes', () => accepts('a'.repeat(72)));
      it('refuses 73 ASCII bytes, and says why', async () => {
        assert.equal(await refusal(payload('a'.repeat(73)), body(metatype)), tooManyBytes);
      });
      it('accepts 24 Hangul syllables (72 bytes)', () => accepts(hangul(24)));
      it('refuses 25 Hangul syllables (75 bytes, 25 characters)', async () => {
        assert.equal(await refusal(payload(hangul(25)), body(metatype)), tooManyBytes);
      });
      it('refuses 18 four-byte emoji plus one byte (73 bytes)', async () => {
        assert.equal(await refusal(payload(`${'😀'.repeat(18)}a`), body(metatype)), tooManyBytes);
      });
      it('keeps 8-128 characters', async () => {
        await accepts('a'.repeat(8));
        assert.match(await refusal(payload('a'.repeat(7)), body(metatype)), /8-128 characters/);
        assert.match(await refusal(payload('a'.repeat(129)), body(metatype)), /8-128 characters|72 bytes/);
      });
      it('refuses non-strings', async () => {
        assert.equal(await refusal(payload(12345678), body(metatype)), 'password must be a string');
        assert.equal(await refusal(payload(null), body(metatype)), 'password must be a string');
      });
    });
  }
});

describe('login passwords', () => {
  const login = (password: unknown) => ({ email: 'a@example.com', password });
  it('accepts what older rules stored: short, and longer than 72 bytes up to 128 characters', async () => {
    for (const password of ['1234', 'a'.repeat(128), hangul(100)]) {
      const dto = (await pipe.transform(login(password), body(LoginDto))) as LoginDto;
      assert.equal(dto.password, password);
    }
  });
  it('refuses more than 128 characters', async () => {
    assert.match(await refusal(login('a'.repeat(129)), body(LoginDto)), /password/);
  });
});
