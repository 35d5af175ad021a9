/**
 * Socket.IO room names. On connect a socket joins `user:<id>` (every socket of a user, on any
 * replica), and `user:<id>:rooms` if it asked to follow all of the user's rooms; `room:<id>` on
 * join_room, or for a following socket on connect and whenever the user gets a room.
 */
export const socketRoom = {
  room: (roomId: number) => `room:${roomId}`,
  user: (userId: number) => `user:${userId}`,
  following: (userId: number) => `user:${userId}:rooms`,
};
