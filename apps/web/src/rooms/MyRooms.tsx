import type { MyRoomView } from '@chat/contracts';
import { formatTime } from '../lib/time';

interface Props {
  rooms: MyRoomView[] | null;
  error: string | null;
  onRefresh: () => void;
  onOpen: (roomId: number) => void;
}

export function MyRooms({ rooms, error, onRefresh, onOpen }: Props) {
  return (
    <section className="panel" aria-labelledby="my-rooms-heading">
      <div className="panel-head">
        <h2 id="my-rooms-heading">Your rooms</h2>
        <button type="button" onClick={onRefresh}>
          Refresh
        </button>
      </div>
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
    <button type="button" className="room" onClick={() => onOpen(room.id)}>
      <span className="room-name">
        {room.name}
        {room.isPrivate && <span className="tag">private</span>}
      </span>
      {room.lastMessageAt && <time dateTime={room.lastMessageAt}>{formatTime(room.lastMessageAt)}</time>}
      <span className="room-last">{room.lastMessage ?? 'No messages yet'}</span>
      {room.unreadCount > 0 && (
        <span className="badge">
          {room.unreadCount > 99 ? '99+' : room.unreadCount}
          <span className="sr-only"> unread</span>
        </span>
      )}
    </button>
  );
}
