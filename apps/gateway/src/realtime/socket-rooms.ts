/** Socket.IO room names. A socket joins `user:<id>` on connect, `room:<id>` on join_room. */
export const socketRoom = {
  room: (roomId: number) => `room:${roomId}`,
  user: (userId: number) => `user:${userId}`,
};
