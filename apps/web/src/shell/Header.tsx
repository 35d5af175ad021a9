import { type FocusEvent, useRef, useState } from 'react';
import type { ChatMessage } from '@chat/contracts';
import { MessageSearch } from '../search/MessageSearch';
import { MenuIcon } from '../ui/icons';
import { useSession } from './SessionContext';
import { useNotificationPermission } from './useDesktopNotifications';

const STATUS_TEXT = { connecting: 'Connecting…', online: 'Connected', offline: 'Offline, reconnecting…' } as const;

interface Props {
  onLogout: () => void;
  /** A result of the search across rooms was picked. */
  onOpenMessage: (message: ChatMessage) => void;
}

/** One row on any screen: on a phone, who I am and the account's buttons fold into a menu. */
export function Header({ onLogout, onOpenMessage }: Props) {
  const { user, connection, api, notify } = useSession();
  const [busy, setBusy] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  const [permission, askPermission] = useNotificationPermission();

  const logout = () => {
    setBusy(true);
    onLogout();
  };
  // The tab opens now, inside the click (a tab opened after an await is a blocked pop-up), and
  // goes to the board once the cookie that lets it in is set.
  const openDeadLetters = () => {
    const tab = window.open('', '_blank');
    api.openAdminSession().then(
      () => {
        if (tab) tab.location.href = '/admin/queues';
        else window.location.assign('/admin/queues');
      },
      (error: Error) => {
        tab?.close();
        notify(`Dead letters: ${error.message}`, 'error');
      },
    );
  };
  const closeOnLeave = (event: FocusEvent) => {
    if (!menu.current?.contains(event.relatedTarget)) setMenuOpen(false);
  };

  return (
    <header className="topbar">
      <span className="brand">Chat</span>
      <span className={`connection ${connection.status}`} role="status">
        <span className="dot" aria-hidden="true" />
        <span className="connection-text">{STATUS_TEXT[connection.status]}</span>
        {connection.status === 'online' && connection.replica && <span className="muted replica"> · {connection.replica}</span>}
      </span>
      <MessageSearch label="Search all rooms" room={null} onPick={onOpenMessage} />
      <div className="account" ref={menu} onBlur={closeOnLeave} onKeyDown={(event) => event.key === 'Escape' && setMenuOpen(false)}>
        <button
          type="button"
          className="icon account-toggle"
          aria-label="Account"
          aria-expanded={menuOpen}
          aria-controls="account-menu"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <MenuIcon />
        </button>
        <div id="account-menu" className={menuOpen ? 'account-menu open' : 'account-menu'}>
          <span className="whoami">
            <strong>{user.nickname}</strong> <span className="muted">#{user.id}</span>
            {user.role === 'guest' && <span className="tag">guest{user.maskedIp ? ` · ${user.maskedIp}` : ''}</span>}
          </span>
          {permission === 'default' && (
            <button type="button" onClick={askPermission}>
              Enable notifications
            </button>
          )}
          {user.role === 'admin' && (
            <button type="button" onClick={openDeadLetters}>
              Dead letters
            </button>
          )}
          <button type="button" onClick={logout} disabled={busy}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}
