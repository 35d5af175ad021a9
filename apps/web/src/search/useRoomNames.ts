import { useEffect, useState } from 'react';
import { useSession } from '../shell/SessionContext';

/** My rooms' names by id, read whenever `active` turns on (results name the room they come from). */
export function useRoomNames(active: boolean): Map<number, string> {
  const { api } = useSession();
  const [names, setNames] = useState<Map<number, string>>(new Map());
  useEffect(() => {
    if (!active) return;
    let current = true;
    // Without names, results still show "Room #id".
    api.myRooms().then(
      (rooms) => current && setNames(new Map(rooms.map((r) => [r.id, r.name]))),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, active]);
  return names;
}
