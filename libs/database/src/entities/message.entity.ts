import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MessageType } from '@chat/contracts';
import { bigintNumber } from './transformers';

@Entity('messages')
export class MessageEntity {
  @PrimaryColumn({ type: 'char', length: 26 })
  id!: string;

  @Column({ name: 'room_id', type: 'int', unsigned: true })
  roomId!: number;

  @Column({ type: 'bigint', unsigned: true, transformer: bigintNumber })
  seq!: number;

  @Column({ name: 'sender_id', type: 'int', unsigned: true, nullable: true })
  senderId!: number | null;

  @Column({ type: 'enum', enum: ['chat', 'system'], default: 'chat' })
  type!: MessageType;

  @Column({ type: 'varchar', length: 4000 })
  content!: string;

  @Column({ name: 'client_msg_id', type: 'varchar', length: 64, nullable: true })
  clientMsgId!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt!: Date | null;
}
