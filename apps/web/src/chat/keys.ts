import type { KeyboardEvent } from 'react';

/**
 * Whether a key press belongs to an input method's composition (Korean, Japanese, Chinese…): the
 * Enter that confirms a candidate must not send. Chromium and Safari mark it `isComposing`, and
 * some report it only as keyCode 229.
 */
export function composing(event: KeyboardEvent): boolean {
  return event.nativeEvent.isComposing || event.keyCode === 229;
}

/** A plain Enter (no Shift, not composing): what sends or saves. */
export function isSubmitEnter(event: KeyboardEvent): boolean {
  return event.key === 'Enter' && !event.shiftKey && !composing(event);
}
