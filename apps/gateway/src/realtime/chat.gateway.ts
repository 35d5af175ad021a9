import { Inject, Logger, type OnApplicationShutdown, UseFilters, UseGuards } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { type Ack, type ChatMessage, CLIENT_EVENTS, type Empty, ErrorCode, type MessageAccepted } from '@chat/contracts';
import { AuthService } from '../auth/auth.service';
import { AppError } from '../common/app-error';
import { MessagesService } from '../messages/messages.service';
import { SequenceService } from '../messages/sequence.service';
import { ModerationService } from '../moderation/moderation.service';
import { RoomAccess } from '../rooms/room-access';
import { RoomsService } from '../rooms/rooms.service';
import { SendMessageDto } from './dto/send-message.dto';
import { DeleteMessageDto, ModerateDto, MuteDto, ReadEventDto, RoomOnlyDto, SyncDto, TypingDto } from './dto/socket-events.dto';
import { EventBudgetGuard } from './event-budget.guard';
import { PresenceService } from './presence.service';
import { type ChatServer, type ChatSocket, RealtimeServer, senderOf } from './realtime.server';
import { RoomRefPipe } from './room-ref.pipe';
import { socketAdmission } from './socket-admission';
import { socketAuth } from './socket-auth';
import { SocketAuthGuard } from './socket-auth.guard';
import { socketRoom } from './socket-rooms';
import { TypingThrottle } from './typing-throttle';
import { WsExceptionFilter } from './ws-exception.filter';

const ok = <T>(data: T): Ack<T> => ({ ok: true, data });
/** Each user's typing state reaches a room at most twice a second from a replica. */
const TYPING_RELAY_INTERVAL_MS = 500;
const known = new Set<string>(CLIENT_EVENTS);

/**
 * An event nobody handles still gets an error ack and an `exception`, like any invalid event.
 * One function for every socket: Socket.IO calls `onAny` listeners with the socket as `this`.
 */
function refuseUnknownEvents(this: ChatSocket, event: string, ...args: unknown[]): void {
  if (known.has(event)) return;
  const message = `Unknown event "${event}"`;
  const ack = args.at(-1);
  if (typeof ack === 'function') (ack as (a: Ack<never>) => void)({ ok: false, error: { code: ErrorCode.ValidationFailed, message } });
  this.emit('exception', { event, code: ErrorCode.ValidationFailed, message });
}
const done: Ack<Empty> = { ok: true, data: {} };

/** Thin handlers: validate (global pipe + DTOs), call a service, return the ack. */
@WebSocketGateway()
@UseFilters(WsExceptionFilter)
@UseGuards(SocketAuthGuard, EventBudgetGuard)
export class ChatGateway
  implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket>, OnApplicationShutdown
{
  private readonly logger = new Logger(ChatGateway.name);
  private readonly typingThrottle = new TypingThrottle(TYPING_RELAY_INTERVAL_MS);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly realtime: RealtimeServer,
    private readonly presence: PresenceService,
    private readonly access: RoomAccess,
    private readonly sequence: SequenceService,
    private readonly messages: MessagesService,
    private readonly rooms: RoomsService,
    private readonly moderation: ModerationService,
  ) {}

  afterInit(server: ChatServer): void {
    this.realtime.attach(server);
    server.use(socketAuth(this.auth));
    server.use(socketAdmission(this.presence, this.logger));
  }

  onApplicationShutdown(): void {
    this.typingThrottle.close();
  }

  async handleConnection(socket: ChatSocket): Promise<void> {
    const { user, auth } = socket.data;
    socket.onAny(refuseUnknownEvents);
    // A socket does not outlive its token: it would otherwise keep receiving rooms after expiry.
    const expiry = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, auth.exp * 1000 - Date.now()), 2 ** 31 - 1));
    socket.once('disconnect', () => clearTimeout(expiry));
    await socket.join(socketRoom.user(user.id));
    socket.emit('ready', { user, replica: this.config.gateway.replicaId });
    if (socket.data.firstSocket) {
      await this.presence.connected(user.id).catch((error: Error) => this.logger.warn(`presence (connect): ${error.message}`));
    }
  }

  async handleDisconnect(socket: ChatSocket): Promise<void> {
    const { user } = socket.data;
    if (!user) return; // refused by the auth middleware
    await this.presence
      .disconnected(user.id, socket.id)
      .catch((error: Error) => this.logger.warn(`presence (disconnect): ${error.message}`));
  }

  @SubscribeMessage('join_room')
  async joinRoom(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody(RoomRefPipe) roomId: number,
  ): Promise<Ack<{ room: number; lastSeq: number }>> {
    const { user } = socket.data;
    const { room } = await this.access.require(roomId, user, 'send');
    const lastSeq = await this.sequence.current(roomId, room.lastSeq);
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
    return ok(await this.messages.send(senderOf(socket.data.user), { roomId: dto.room, content, clientMsgId: dto.clientMsgId }));
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
    await this.rooms.markRead(socket.data.user, dto.room, dto.seq);
    return done;
  }

  @SubscribeMessage('sync')
  async sync(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SyncDto): Promise<Ack<{ messages: ChatMessage[] }>> {
    return ok({ messages: await this.messages.sync(socket.data.user, dto.room, dto.afterSeq, dto.limit) });
  }

  @SubscribeMessage('delete_message')
  async deleteMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: DeleteMessageDto): Promise<Ack<Empty>> {
    await this.messages.delete(socket.data.user, dto.id);
    return done;
  }

  @SubscribeMessage('kick_user')
  async kickUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ModerateDto): Promise<Ack<Empty>> {
    await this.moderation.kick(socket.data.user, dto.room, dto.userId, dto.reason);
    return done;
  }

  @SubscribeMessage('ban_user')
  async banUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ModerateDto): Promise<Ack<Empty>> {
    await this.moderation.ban(socket.data.user, dto.room, dto.userId, dto.reason);
    return done;
  }

  @SubscribeMessage('mute_user')
  async muteUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MuteDto): Promise<Ack<Empty>> {
    await this.moderation.update(socket.data.user, dto.room, dto.userId, { muted: dto.muted, mutedMinutes: dto.minutes });
    return done;
  }

  @SubscribeMessage('delete_room')
  async deleteRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: RoomOnlyDto): Promise<Ack<Empty>> {
    await this.rooms.delete(socket.data.user, dto.room);
    return done;
  }
}
