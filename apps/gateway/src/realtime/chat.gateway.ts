import { Inject, UseFilters, UseGuards } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { AppConfig } from '@chat/config';
import { type Ack, ErrorCode, type MessageAccepted } from '@chat/contracts';
import { AuthService } from '../auth/auth.service';
import { AppError } from '../common/app-error';
import { APP_CONFIG } from '@chat/config';
import { MessagesService } from '../messages/messages.service';
import { RoomsRepository } from '../rooms/rooms.repository';
import { SequenceService } from '../messages/sequence.service';
import { SendMessageDto } from './dto/send-message.dto';
import { type ChatServer, type ChatSocket, RealtimeServer, senderOf } from './realtime.server';
import { RoomRefPipe } from './room-ref.pipe';
import { socketAuth } from './socket-auth';
import { SocketAuthGuard } from './socket-auth.guard';
import { WsExceptionFilter } from './ws-exception.filter';
import { socketRoom } from './socket-rooms';

const ok = <T>(data: T): Ack<T> => ({ ok: true, data });

@WebSocketGateway()
@UseFilters(WsExceptionFilter)
@UseGuards(SocketAuthGuard)
export class ChatGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket> {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly realtime: RealtimeServer,
    private readonly rooms: RoomsRepository,
    private readonly sequence: SequenceService,
    private readonly messages: MessagesService,
  ) {}

  afterInit(server: ChatServer): void {
    this.realtime.attach(server);
    server.use(socketAuth(this.auth));
  }

  async handleConnection(socket: ChatSocket): Promise<void> {
    await socket.join(socketRoom.user(socket.data.user.id));
    socket.emit('ready', { user: socket.data.user, replica: this.config.gateway.replicaId });
  }

  @SubscribeMessage('join_room')
  async joinRoom(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody(RoomRefPipe) roomId: number,
  ): Promise<Ack<{ room: number; lastSeq: number }>> {
    const { user } = socket.data;
    const membership = await this.rooms.findMembership(roomId, user.id);
    if (!membership) throw new AppError(ErrorCode.NotFound, `Room ${roomId} does not exist`);
    if (membership.banned) throw new AppError(ErrorCode.Banned, 'You are banned from this room');
    if (!membership.member) throw new AppError(ErrorCode.NotMember, 'Join the room (POST /rooms/:id/join) or get invited first');
    const lastSeq = await this.sequence.current(roomId, membership.room.lastSeq);
    await socket.join(socketRoom.room(roomId));
    socket.to(socketRoom.room(roomId)).emit('notice', { roomId, kind: 'join', userId: user.id, text: `${user.nickname} is here` });
    return ok({ room: roomId, lastSeq });
  }

  @SubscribeMessage('leave_room')
  async leaveRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody(RoomRefPipe) roomId: number): Promise<Ack<{ room: number }>> {
    await socket.leave(socketRoom.room(roomId));
    return ok({ room: roomId });
  }

  @SubscribeMessage('message')
  async message(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SendMessageDto): Promise<Ack<MessageAccepted>> {
    const content = dto.msg ?? dto.content ?? '';
    const accepted = await this.messages.send(senderOf(socket.data.user), { roomId: dto.room, content, clientMsgId: dto.clientMsgId });
    return ok(accepted);
  }
}
