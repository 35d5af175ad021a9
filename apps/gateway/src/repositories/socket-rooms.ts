/**
 * Socket.IO room names. On connect a socket joins `user:<id>` (every socket of a user, on any
 * replica); `room:<id>` on join_room.
 */
export const socketRoom = {
  room: (roomId: number) => `room:${roomId}`,
  user: (userId: number) => `user:${userId}`,
};
