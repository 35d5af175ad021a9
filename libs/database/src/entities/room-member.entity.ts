import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RoomRole } from '@chat/contracts';
import { bigintNumber, tinyBoolean } from './transformers';

@Entity('room_members')
export class RoomMemberEntity {
  @PrimaryColumn({ name: 'room_id', type: 'int', unsigned: true })
  roomId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'int', unsigned: true })
  userId!: number;

  @Column({ type: 'enum', enum: ['owner', 'admin', 'member', 'guest'], default: 'member' })
  role!: RoomRole;

  @Column({ name: 'muted_until', type: 'datetime', precision: 3, nullable: true })
  mutedUntil!: Date | null;

  @Column({ name: 'self_muted', type: 'tinyint', transformer: tinyBoolean })
  selfMuted!: boolean;

  @Column({ name: 'joined_seq', type: 'bigint', unsigned: true, transformer: bigintNumber })
  joinedSeq!: number;

  @Column({ name: 'last_read_seq', type: 'bigint', unsigned: true, transformer: bigintNumber })
  lastReadSeq!: number;

  @Column({ name: 'joined_at', type: 'datetime', precision: 3 })
  joinedAt!: Date;
}
