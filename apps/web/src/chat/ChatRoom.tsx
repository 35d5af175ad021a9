import { useEffect, useState } from 'react';
import type { RoomDetails } from '@chat/contracts';
import { describeError } from '../lib/api';
import { useSession } from '../shell/SessionContext';
import { Composer } from './Composer';
import { MemberList } from './MemberList';
import { MessageList } from './MessageList';
import { useMembers } from './useMembers';
import { useReadMarker } from './useReadMarker';
import { useRoomTimeline } from './useRoomTimeline';
import { typingText, useTyping } from './useTyping';

export function ChatRoom({ roomId, onBack }: { roomId: number; onBack: (notice?: string) => void }) {
  const { api, user } = useSession();
  const [room, setRoom] = useState<RoomDetails | null>(null);
  const { timeline, joined, send, remove, loadOlder } = useRoomTimeline(roomId, onBack);
  const members = useMembers(roomId);
  const { typists, typed, stopped } = useTyping(roomId, joined);
  useReadMarker(roomId, timeline.highestSeq, joined);

  useEffect(() => {
    api.room(roomId).then(setRoom, (e: unknown) => onBack(`Could not open room ${roomId}: ${describeError(e)}`));
  }, [api, roomId, onBack]);

  return (
    <main className="chat">
      <div className="chat-head">
        <button type="button" onClick={() => onBack()}>
          ← Rooms
        </button>
        <h1>{room?.name ?? 'Loading…'}</h1>
        {room?.isPrivate && <span className="tag">private</span>}
      </div>
      <MessageList
        timeline={timeline}
        me={user}
        onDelete={remove}
        onRetry={(pending) => send(pending.content, pending.clientMsgId)}
        onLoadOlder={() => void loadOlder()}
      />
      <p className="typing" role="status">
        {typingText(typists)}
      </p>
      <Composer onSend={send} onTyping={typed} onStopTyping={stopped} />
      <MemberList members={members} myId={user.id} />
    </main>
  );
}
