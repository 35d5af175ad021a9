import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { isWellFormed, notWellFormed } from './text';

/**
 * One validation policy for REST bodies and socket payloads: unknown fields are refused. That
 * includes `__proto__` and `constructor`, which class-transformer would otherwise drop silently
 * before the whitelist ever sees them. Input nested too deeply (class-transformer and
 * class-validator recurse into it, and overflow the stack) and text MySQL cannot store as sent
 * (lone surrogates, which it turns into U+FFFD) are refused before any DTO sees them.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only what the client sent: a @ConnectedSocket() or other custom parameter is ours.
    const problem = metadata.type === 'custom' ? undefined : inputProblem(value, metadata.data);
    if (problem) throw new BadRequestException(problem);
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

/**
 * The deepest nesting accepted, counted in objects and arrays with the top-level value at depth 1:
 * `{ "a": [ {} ] }` is 3 deep. No payload of the API needs more than 2 (a body holding a list of
 * ids); 16 leaves room for new ones while keeping the DTO libraries' recursion shallow.
 */
export const MAX_DEPTH = 16;

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** An object or array being walked, and where it sits. */
interface Level {
  container: object;
  depth: number;
  parent?: Level;
  key?: string | number;
}

/**
 * What is wrong with client input, or undefined when nothing is: a reserved key, a key or string
 * that is not well-formed UTF-16, or nesting deeper than MAX_DEPTH. One walk over every key and
 * string, stopped at the first problem: iterative (an explicit stack, so no input can overflow the
 * call stack) and linear in the input's size. `name` is the parameter's, when the value is one
 * field of the request (`@Param('id')`).
 */
export function inputProblem(value: unknown, name?: string): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : notWellFormed(name ?? 'the input');
  if (!isJsonContainer(value)) return undefined;
  const stack: Level[] = [{ container: value, depth: 1 }];
  const visit = (child: unknown, parent: Level, key: string | number): string | undefined => {
    if (typeof child === 'string') return isWellFormed(child) ? undefined : notWellFormed(pathOf(parent, key, name));
    if (!isJsonContainer(child)) return undefined;
    if (parent.depth >= MAX_DEPTH) return `${pathOf(parent, key, name)} is nested deeper than ${MAX_DEPTH} levels of objects and arrays`;
    stack.push({ container: child, depth: parent.depth + 1, parent, key });
    return undefined;
  };
  for (let level = stack.pop(); level !== undefined; level = stack.pop()) {
    const { container } = level;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const problem = visit(container[i], level, i);
        if (problem) return problem;
      }
      continue;
    }
    for (const key of Object.keys(container)) {
      if (RESERVED.has(key)) return `property ${pathOf(level, key, name)} should not exist`;
      if (!isWellFormed(key)) return notWellFormed(`a property name in ${pathOf(level, undefined, name) || 'the input'}`);
      const problem = visit((container as Record<string, unknown>)[key], level, key);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Parsed JSON is made of plain objects and arrays; anything else (a Buffer, a socket) is not walked. */
function isJsonContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === Array.prototype || prototype === null;
}

/** `a.0.b`: the keys from the top down to `key` inside `level`. Built only for the message. */
function pathOf(level: Level, key: string | number | undefined, name: string | undefined): string {
  const keys: (string | number)[] = key === undefined ? [] : [key];
  for (let at: Level | undefined = level; at?.key !== undefined; at = at.parent) keys.unshift(at.key);
  if (name) keys.unshift(name);
  return keys.join('.');
}
