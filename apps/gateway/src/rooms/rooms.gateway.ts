import type { OnApplicationShutdown } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import { type Ack, type Empty, ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { RoomEventDto } from '../common/ids';
import type { ChatSocket } from '../repositories/realtime.repository';
import { socketRoom } from '../repositories/socket-rooms';
import { SocketGateway } from '../realtime';
import { ReadEventDto, TypingDto } from './dto/room-events.dto';
import { RoomRefPipe } from './room-ref.pipe';
import { RoomsService } from './rooms.service';
import { TypingThrottle } from './typing-throttle';

/** Each user's typing state reaches a room at most twice a second from a replica. */
const TYPING_RELAY_INTERVAL_MS = 500;
const done: Ack<Empty> = { ok: true, data: {} };

/** A socket entering and leaving rooms, and what it says to a room it is in (typing, read up to). */
@SocketGateway()
export class RoomsGateway implements OnApplicationShutdown {
  private readonly typingThrottle = new TypingThrottle(TYPING_RELAY_INTERVAL_MS);

  constructor(private readonly rooms: RoomsService) {}

  onApplicationShutdown(): void {
    this.typingThrottle.close();
  }

  @SubscribeMessage('join_room')
  async joinRoom(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody(RoomRefPipe) roomId: number,
  ): Promise<Ack<{ room: number; lastSeq: number }>> {
    const { user } = socket.data;
    const lastSeq = await this.rooms.lastSeqFor(user, roomId);
    await socket.join(socketRoom.room(roomId));
    socket.to(socketRoom.room(roomId)).emit('notice', { roomId, kind: 'join', userId: user.id, text: `${user.nickname} is here` });
    return { ok: true, data: { room: roomId, lastSeq } };
  }

  @SubscribeMessage('leave_room')
  async leaveRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody(RoomRefPipe) roomId: number): Promise<Ack<{ room: number }>> {
    await socket.leave(socketRoom.room(roomId));
    return { ok: true, data: { room: roomId } };
  }

  /** Relayed to the room's other sockets (throttled per user and room); only from a socket that has joined the room. */
  @SubscribeMessage('typing')
  typing(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: TypingDto): Ack<Empty> {
    if (!socket.rooms.has(socketRoom.room(dto.room))) throw new AppError(ErrorCode.NotMember, 'join_room first');
    const { user } = socket.data;
    this.typingThrottle.offer(`${user.id}:${dto.room}`, dto.typing, () =>
      socket
        .to(socketRoom.room(dto.room))
        .emit('typing', { roomId: dto.room, userId: user.id, nickname: user.nickname, typing: dto.typing }),
    );
    return done;
  }

  @SubscribeMessage('read')
  async read(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ReadEventDto): Promise<Ack<Empty>> {
    await this.rooms.markRead(socket.data.user, dto.room, dto.seq, socket.id);
    return done;
  }

  @SubscribeMessage('delete_room')
  async deleteRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: RoomEventDto): Promise<Ack<Empty>> {
    await this.rooms.delete(socket.data.user, dto.room);
    return done;
  }
}
