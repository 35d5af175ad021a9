import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';

/**
 * One validation policy for REST bodies and socket payloads: unknown fields are refused. That
 * includes `__proto__` and `constructor`, which class-transformer would otherwise drop silently
 * before the whitelist ever sees them.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only what the client sent: a @ConnectedSocket() or other custom parameter is ours.
    const key = metadata.type === 'custom' ? undefined : reservedKey(value);
    if (key) throw new BadRequestException(`property ${key} should not exist`);
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
}

const RESERVED = ['__proto__', 'constructor', 'prototype'];

/** Parsed JSON is made of plain objects and arrays; anything else is not client input. */
function reservedKey(value: unknown, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 8) return undefined;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return undefined;
  for (const key of Object.keys(value)) {
    if (RESERVED.includes(key)) return key;
    const nested = reservedKey((value as Record<string, unknown>)[key], depth + 1);
    if (nested) return `${key}.${nested}`;
  }
  return undefined;
}
