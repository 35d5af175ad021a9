import type { MemberView } from '@chat/contracts';

export const MENTION_LIST_ID = 'mention-list';
export const mentionOptionId = (userId: number) => `mention-${userId}`;

interface Props {
  candidates: MemberView[];
  active: number;
  onPick: (member: MemberView) => void;
}

/** The members matching the `@…` being typed; the composer's arrow keys move through them, Enter or Tab picks. */
export function MentionPicker({ candidates, active, onPick }: Props) {
  return (
    <ul className="mention-picker" id={MENTION_LIST_ID} role="listbox" aria-label="Members to mention">
      {candidates.map((m, i) => (
        <li
          key={m.userId}
          id={mentionOptionId(m.userId)}
          role="option"
          aria-selected={i === active}
          // mousedown, not click: the composer keeps its focus and caret.
          onMouseDown={(event) => {
            event.preventDefault();
            onPick(m);
          }}
        >
          <span className={m.online ? 'dot on' : 'dot'} aria-hidden="true" />
          {m.nickname}
          {m.role !== 'member' && <span className="tag">{m.role}</span>}
        </li>
      ))}
    </ul>
  );
}
