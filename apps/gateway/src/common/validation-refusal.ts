import assert from 'node:assert/strict';
import type { ArgumentMetadata } from '@nestjs/common';
import { toErrorBody } from './app-error';
import { createValidationPipe } from './validation';

/** For the validation specs: the real pipe, as REST bodies and socket payloads go through it. */
export const pipe = createValidationPipe();

export const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

/** The refusal's message, checked to be the contract's VALIDATION_FAILED (never INTERNAL). */
export async function refusal(value: unknown, metadata: ArgumentMetadata): Promise<string> {
  const error = await pipe.transform(value, metadata).then(
    () => assert.fail(`accepted ${JSON.stringify(value)}`),
    (thrown: unknown) => thrown,
  );
  const { code, message } = toErrorBody(error);
  assert.equal(code, 'VALIDATION_FAILED', `${message} (${String(error)})`);
  return message;
}
