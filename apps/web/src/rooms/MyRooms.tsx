import type { MyRoomView } from '@chat/contracts';
import { formatTime } from '../lib/time';

interface Props {
  rooms: MyRoomView[] | null;
  error: string | null;
  onOpen: (roomId: number) => void;
}

const count = (n: number) => (n > 99 ? '99+' : String(n));

export function MyRooms({ rooms, error, onOpen }: Props) {
  return (
    <section className="panel" aria-labelledby="my-rooms-heading">
      <h2 id="my-rooms-heading">Your rooms</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {rooms === null ? (
        <p className="muted">Loading…</p>
      ) : rooms.length === 0 ? (
        <p className="muted">No rooms yet: join a public room or create one.</p>
      ) : (
        <ul className="rooms">
          {rooms.map((room) => (
            <li key={room.id}>
              <RoomButton room={room} onOpen={onOpen} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RoomButton({ room, onOpen }: { room: MyRoomView; onOpen: (roomId: number) => void }) {
  return (
    <button type="button" className={room.selfMuted ? 'room self-muted' : 'room'} onClick={() => onOpen(room.id)}>
      <span className="room-name">
        {room.name}
        {room.isPrivate && <span className="tag">private</span>}
        {room.selfMuted && <span className="tag">muted</span>}
      </span>
      {room.lastMessageAt && <time dateTime={room.lastMessageAt}>{formatTime(room.lastMessageAt)}</time>}
      <span className="room-last">{room.lastMessage ?? 'No messages yet'}</span>
      <span className="badges">
        {room.mentionCount > 0 && (
          <span className="badge mention-count">
            <span aria-hidden="true">@{count(room.mentionCount)}</span>
            <span className="sr-only">
              {room.mentionCount} {room.mentionCount === 1 ? 'mention' : 'mentions'}
            </span>
          </span>
        )}
        {room.unreadCount > 0 && (
          <span className="badge">
            {count(room.unreadCount)}
            <span className="sr-only"> unread</span>
          </span>
        )}
      </span>
    </button>
  );
}
