import { useEffect } from 'react';

const TITLE = 'Chat';

/** "(5) Chat" while 5 messages wait to be read, so the tab tells it from behind others. */
export function useTabTitle(unread: number): void {
  useEffect(() => {
    document.title = unread > 0 ? `(${unread > 999 ? '999+' : unread}) ${TITLE}` : TITLE;
  }, [unread]);
  useEffect(
    () => () => {
      document.title = TITLE;
    },
    [],
  );
}
