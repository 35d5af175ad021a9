import { type DragEvent, useEffect, useRef, useState } from 'react';
import type { RoomDetails } from '@chat/contracts';
import { describeError } from '../lib/api';
import { MessageSearch } from '../search/MessageSearch';
import { useSession } from '../shell/SessionContext';
import { Composer } from './Composer';
import { MemberList } from './MemberList';
import { MessageList } from './MessageList';
import { useMembers } from './useMembers';
import { useReadMarker } from './useReadMarker';
import { useRoomTimeline } from './useRoomTimeline';
import { typingText, useTyping } from './useTyping';
import { useUploads } from './useUploads';

/** A message to show when the room opens (picked from the search of all rooms); `key` is new with every pick. */
export interface JumpTo {
  roomId: number;
  seq: number;
  key: number;
}

interface Props {
  roomId: number;
  jumpTo: JumpTo | null;
  onJumped: () => void;
  onBack: (notice?: string) => void;
}

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

export function ChatRoom({ roomId, jumpTo, onJumped, onBack }: Props) {
  const { api, user } = useSession();
  const [room, setRoom] = useState<RoomDetails | null>(null);
  const { timeline, joined, send, remove, loadOlder, loadNewer, toLatest, focus } = useRoomTimeline(roomId, onBack);
  const members = useMembers(roomId);
  const uploads = useUploads(roomId);
  const { typists, typed, stopped } = useTyping(roomId, joined);
  useReadMarker(roomId, timeline.highestSeq, joined);

  useEffect(() => {
    api.room(roomId).then(setRoom, (e: unknown) => onBack(`Could not open room ${roomId}: ${describeError(e)}`));
  }, [api, roomId, onBack]);

  useEffect(() => {
    if (!jumpTo) return;
    void focus(jumpTo.seq);
    onJumped();
  }, [jumpTo, focus, onJumped]);

  // dragenter and dragleave fire for every child crossed: count them to know when the files left the room.
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const drag = {
    onDragEnter: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth.current++;
      setDragging(true);
    },
    onDragOver: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    onDrop: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setDragging(false);
      uploads.add(Array.from(event.dataTransfer.files));
    },
  };

  return (
    <main className={dragging ? 'chat dragging' : 'chat'} {...drag}>
      <div className="chat-head">
        <button type="button" onClick={() => onBack()}>
          ← Rooms
        </button>
        <h1>{room?.name ?? 'Loading…'}</h1>
        {room?.isPrivate && <span className="tag">private</span>}
        <MessageSearch
          label="Search this room"
          room={{ id: roomId, name: room?.name ?? `Room #${roomId}` }}
          onPick={(message) => void focus(message.seq)}
        />
      </div>
      <MessageList
        timeline={timeline}
        me={user}
        onDelete={remove}
        onRetry={(pending) => send(pending.content, pending.attachments, pending.clientMsgId)}
        onLoadOlder={() => void loadOlder()}
        onLoadNewer={() => void loadNewer()}
        onJumpToLatest={() => void toLatest()}
      />
      <p className="typing" role="status">
        {typingText(typists)}
      </p>
      <Composer uploads={uploads} onSend={send} onTyping={typed} onStopTyping={stopped} />
      <MemberList members={members} myId={user.id} />
      {dragging && (
        <div className="drop-hint" aria-hidden="true">
          Drop files to attach them
        </div>
      )}
    </main>
  );
}
