import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber, tinyBoolean } from './transformers';

@Entity('rooms')
export class RoomEntity {
  @PrimaryGeneratedColumn({ unsigned: true })
  id!: number;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name!: string | null;

  @Column({ name: 'is_private', type: 'tinyint', transformer: tinyBoolean })
  isPrivate!: boolean;

  @Column({ name: 'owner_id', type: 'int', unsigned: true, nullable: true })
  ownerId!: number | null;

  @Column({ name: 'last_message_id', type: 'char', length: 26, nullable: true })
  lastMessageId!: string | null;

  @Column({ name: 'last_message', type: 'varchar', length: 4000, nullable: true })
  lastMessage!: string | null;

  @Column({ name: 'last_message_at', type: 'datetime', precision: 3, nullable: true })
  lastMessageAt!: Date | null;

  @Column({ name: 'last_seq', type: 'bigint', unsigned: true, transformer: bigintNumber })
  lastSeq!: number;

  @Column({ name: 'deleted_at', type: 'datetime', precision: 3, nullable: true })
  deletedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
