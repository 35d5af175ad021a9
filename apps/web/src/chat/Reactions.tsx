import { type KeyboardEvent, useEffect, useRef } from 'react';
import type { ReactionCount } from '@chat/contracts';

/** The picker's emoji, with the names screen readers say for them. */
const QUICK_REACTIONS = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'laughing' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'sad' },
  { emoji: '🙏', name: 'thanks' },
  { emoji: '🎉', name: 'party' },
  { emoji: '👀', name: 'eyes' },
];

// Another client may have used any emoji: those are named by the emoji itself.
const nameOf = (emoji: string) => QUICK_REACTIONS.find((r) => r.emoji === emoji)?.name ?? emoji;

/** A message's reactions as chips: the count of each, pressed when I am among them; a click toggles mine. */
export function ReactionChips({ reactions, onToggle }: { reactions: ReactionCount[]; onToggle: (emoji: string, on: boolean) => void }) {
  if (reactions.length === 0) return null;
  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => (
        <button
          key={r.emoji}
          type="button"
          className={r.me ? 'chip me' : 'chip'}
          aria-pressed={r.me ?? false}
          aria-label={`${nameOf(r.emoji)}, ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}`}
          onClick={() => onToggle(r.emoji, !r.me)}
        >
          <span aria-hidden="true">{r.emoji}</span> {r.count}
        </button>
      ))}
    </div>
  );
}

/** The small set of emoji to react with; Escape or a click elsewhere closes it, focus starts on the first. */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  // The message re-renders with every change in the room: the listener and the focus are set up once.
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });
  useEffect(() => {
    box.current?.querySelector('button')?.focus();
    const outside = (event: PointerEvent) => {
      if (!box.current?.contains(event.target as Node)) close.current();
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    onClose();
  };
  return (
    <div className="emoji-picker" role="group" aria-label="Pick a reaction" ref={box} onKeyDown={onKeyDown}>
      {QUICK_REACTIONS.map((r) => (
        <button key={r.emoji} type="button" aria-label={`React with ${r.name}`} title={r.name} onClick={() => onPick(r.emoji)}>
          <span aria-hidden="true">{r.emoji}</span>
        </button>
      ))}
    </div>
  );
}
