import { useMemo } from 'react';
import { CreateRoom } from './CreateRoom';
import { Directory } from './Directory';
import { MyRooms } from './MyRooms';
import { useMyRooms } from './useMyRooms';

interface Props {
  flash: string | null;
  onDismissFlash: () => void;
  onOpen: (roomId: number) => void;
}

export function RoomsScreen({ flash, onDismissFlash, onOpen }: Props) {
  const { rooms, error, refresh } = useMyRooms();
  const myRoomIds = useMemo(() => new Set(rooms?.map((r) => r.id)), [rooms]);
  return (
    <main className="rooms-screen">
      <h1 className="sr-only">Rooms</h1>
      {flash && (
        <p className="banner" role="status">
          {flash}
          <button type="button" className="icon" aria-label="Dismiss" onClick={onDismissFlash}>
            ×
          </button>
        </p>
      )}
      <MyRooms rooms={rooms} error={error} onRefresh={() => void refresh()} onOpen={onOpen} />
      <div className="side">
        <Directory myRoomIds={myRoomIds} onOpen={onOpen} />
        <CreateRoom onCreated={onOpen} />
      </div>
    </main>
  );
}
