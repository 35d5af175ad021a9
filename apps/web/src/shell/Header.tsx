import { useState } from 'react';
import type { ChatMessage } from '@chat/contracts';
import { MessageSearch } from '../search/MessageSearch';
import { useSession } from './SessionContext';
import { useNotificationPermission } from './useDesktopNotifications';

const STATUS_TEXT = { connecting: 'Connecting…', online: 'Connected', offline: 'Offline, reconnecting…' } as const;

interface Props {
  onLogout: () => void;
  /** A result of the search across rooms was picked. */
  onOpenMessage: (message: ChatMessage) => void;
}

export function Header({ onLogout, onOpenMessage }: Props) {
  const { user, connection } = useSession();
  const [busy, setBusy] = useState(false);
  const [permission, askPermission] = useNotificationPermission();

  const logout = () => {
    setBusy(true);
    onLogout();
  };

  return (
    <header className="topbar">
      <span className="brand">Chat</span>
      <span className={`connection ${connection.status}`} role="status">
        <span className="dot" aria-hidden="true" />
        {STATUS_TEXT[connection.status]}
        {connection.status === 'online' && connection.replica && <span className="muted"> · {connection.replica}</span>}
      </span>
      <MessageSearch label="Search all rooms" room={null} onPick={onOpenMessage} />
      <span className="whoami">
        <strong>{user.nickname}</strong> <span className="muted">#{user.id}</span>
        {user.role === 'guest' && <span className="tag">guest{user.maskedIp ? ` · ${user.maskedIp}` : ''}</span>}
      </span>
      {permission === 'default' && (
        <button type="button" onClick={askPermission}>
          Enable notifications
        </button>
      )}
      <button type="button" onClick={logout} disabled={busy}>
        Log out
      </button>
    </header>
  );
}
