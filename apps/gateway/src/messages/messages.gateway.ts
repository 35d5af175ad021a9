import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Ack, ChatMessage, Empty, MessageAccepted } from '@chat/contracts';
import { senderOf } from '../common/user-view';
import type { ChatSocket } from '../repositories/realtime.repository';
import { SocketGateway, takeTurn } from '../realtime';
import { DeleteMessageDto, EditMessageEventDto, ReactDto, SendMessageDto, SyncDto } from './dto/message-events.dto';
import { MessageChanges } from './message-changes';
import { MessageDeletion } from './message-deletion';
import { MessageHistory } from './message-history';
import { MessagePublisher } from './message-publisher';

@SocketGateway()
export class MessagesGateway {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly reads: MessageHistory,
    private readonly deletion: MessageDeletion,
    private readonly changes: MessageChanges,
  ) {}

  /** A socket's messages are numbered and broadcast in the order it sent them: `message` is an ordered event (realtime/socket-turns.ts). */
  @SubscribeMessage('message')
  async message(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SendMessageDto): Promise<Ack<MessageAccepted>> {
    const queued = takeTurn(socket);
    const content = dto.msg ?? dto.content ?? '';
    const { clientMsgId, attachmentIds, replyTo, mentions } = dto;
    const input = { roomId: dto.room, content, clientMsgId, attachmentIds, replyTo, mentions };
    return { ok: true, data: await this.publisher.send(senderOf(socket.data.user), input, queued) };
  }

  @SubscribeMessage('sync')
  async sync(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SyncDto): Promise<Ack<{ messages: ChatMessage[] }>> {
    return { ok: true, data: { messages: await this.reads.sync(socket.data.user, dto.room, dto.afterSeq, dto.limit) } };
  }

  @SubscribeMessage('delete_message')
  async deleteMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: DeleteMessageDto): Promise<Ack<Empty>> {
    await this.deletion.delete(socket.data.user, dto.id);
    return { ok: true, data: {} };
  }

  @SubscribeMessage('edit_message')
  async editMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: EditMessageEventDto): Promise<Ack<ChatMessage>> {
    return { ok: true, data: await this.changes.edit(socket.data.user, dto.id, dto.msg ?? dto.content ?? '') };
  }

  @SubscribeMessage('react')
  async react(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ReactDto): Promise<Ack<Empty>> {
    await this.changes.react(socket.data.user, dto.id, dto.emoji, dto.on);
    return { ok: true, data: {} };
  }
}
