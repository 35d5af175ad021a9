import { useMemo } from 'react';
import { CreateRoom } from './CreateRoom';
import { Directory } from './Directory';
import { MyRooms } from './MyRooms';
import { NewDirect } from './NewDirect';
import { useRooms } from './RoomsContext';

interface Props {
  flash: string | null;
  onDismissFlash: () => void;
}

export function RoomsScreen({ flash, onDismissFlash }: Props) {
  const { rooms, error, openRoom } = useRooms();
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
      <MyRooms rooms={rooms} error={error} onOpen={openRoom} />
      <div className="side">
        <NewDirect onOpen={openRoom} />
        <Directory myRoomIds={myRoomIds} onOpen={openRoom} />
        <CreateRoom onCreated={openRoom} />
      </div>
    </main>
  );
}
