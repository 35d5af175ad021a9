import { type DragEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { ChatMessage, MemberUpdatedEvent, RoomDetails, RoomUpdatedEvent } from '@chat/contracts';
import { describeError } from '../lib/api';
import { MessageSearch } from '../search/MessageSearch';
import { useSession } from '../shell/SessionContext';
import { PeopleIcon } from '../ui/icons';
import { Composer } from './Composer';
import { MemberList } from './MemberList';
import type { MessageContext } from './MessageItem';
import { MessageList } from './MessageList';
import { unreadCounter } from './receipts';
import { useMembers } from './useMembers';
import { useReadMarker } from './useReadMarker';
import { useReceipts } from './useReceipts';
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

const MEMBERS_PANEL = 'members-panel';

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

export function ChatRoom({ roomId, jumpTo, onJumped, onBack }: Props) {
  const { api, socket, user } = useSession();
  const [room, setRoom] = useState<RoomDetails | null>(null);
  const { timeline, joined, send, edit, react, remove, loadOlder, loadNewer, toLatest, focus } = useRoomTimeline(roomId, onBack);
  const members = useMembers(roomId);
  const receipts = useReceipts(
    roomId,
    members.map((m) => m.userId),
  );
  const uploads = useUploads(roomId);
  const { typists, typed, stopped } = useTyping(roomId, joined);
  const [replyingTo, setReplyingTo] = useState<ChatMessage | null>(null);
  // On a phone the members are a panel over the messages, shown on demand; a desktop always shows them.
  const [membersOpen, setMembersOpen] = useState(false);
  useReadMarker(roomId, timeline.highestSeq, joined);

  useEffect(() => {
    api.room(roomId).then(setRoom, (e: unknown) => onBack(`Could not open room ${roomId}: ${describeError(e)}`));
  }, [api, roomId, onBack]);

  // Made an admin (or no longer one) while here: what may be deleted changes with it. A rename or
  // a change of privacy shows in the header.
  useEffect(() => {
    const onMemberUpdated = (e: MemberUpdatedEvent) => {
      if (e.roomId === roomId && e.userId === user.id) setRoom((shown) => shown && { ...shown, myRole: e.role });
    };
    const onRoomUpdated = ({ room: updated }: RoomUpdatedEvent) => {
      if (updated.id !== roomId) return;
      const { name, isNameGenerated, isPrivate, ownerId } = updated;
      // A handover: the new owner is told here; the old one gets its new role as member_updated.
      setRoom(
        (shown) => shown && { ...shown, name, isNameGenerated, isPrivate, ownerId, ...(ownerId === user.id ? { myRole: 'owner' } : {}) },
      );
    };
    socket.on('member_updated', onMemberUpdated).on('room_updated', onRoomUpdated);
    return () => {
      socket.off('member_updated', onMemberUpdated).off('room_updated', onRoomUpdated);
    };
  }, [socket, roomId, user.id]);

  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.nickname])), [members]);
  const unread = useMemo(() => unreadCounter(receipts, user.id), [receipts, user.id]);
  // Someone who has left is still named by the messages they wrote.
  const nameOf = (userId: number) => names.get(userId) ?? timeline.messages.find((m) => m.sender?.id === userId)?.sender?.nickname;
  const context: MessageContext = {
    me: user,
    moderator: user.role === 'admin' || room?.myRole === 'owner' || room?.myRole === 'admin',
    nameOf,
    unread,
    remove,
    edit,
    react,
    reply: setReplyingTo,
    show: (seq) => void focus(seq),
  };

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
        <button type="button" className="back" onClick={() => onBack()}>
          ← <span className="back-label">Rooms</span>
        </button>
        <h1 title={room?.name}>{room?.name ?? 'Loading…'}</h1>
        {room?.isPrivate && <span className="tag">private</span>}
        <MessageSearch
          label="Search this room"
          room={{ id: roomId, name: room?.name ?? `Room #${roomId}` }}
          onPick={(message) => void focus(message.seq)}
        />
        <button
          type="button"
          className="icon members-toggle"
          aria-label="Members"
          aria-expanded={membersOpen}
          aria-controls={MEMBERS_PANEL}
          onClick={() => setMembersOpen((open) => !open)}
        >
          <PeopleIcon />
        </button>
      </div>
      <MessageList
        timeline={timeline}
        room={context}
        onRetry={(pending) => send(pending, pending.clientMsgId)}
        onLoadOlder={() => void loadOlder()}
        onLoadNewer={() => void loadNewer()}
        onJumpToLatest={() => void toLatest()}
      />
      <p className="typing" role="status">
        {typingText(typists)}
      </p>
      <Composer
        uploads={uploads}
        members={members}
        myId={user.id}
        replyingTo={
          replyingTo && {
            message: replyingTo,
            author: replyingTo.sender?.id === user.id ? 'yourself' : (replyingTo.sender?.nickname ?? 'someone'),
          }
        }
        onCancelReply={() => setReplyingTo(null)}
        onSend={send}
        onTyping={typed}
        onStopTyping={stopped}
      />
      <MemberList id={MEMBERS_PANEL} open={membersOpen} members={members} myId={user.id} />
      {dragging && (
        <div className="drop-hint" aria-hidden="true">
          Drop files to attach them
        </div>
      )}
    </main>
  );
}
