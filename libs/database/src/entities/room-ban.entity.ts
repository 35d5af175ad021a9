import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('room_bans')
export class RoomBanEntity {
  @PrimaryColumn({ name: 'room_id', type: 'int', unsigned: true })
  roomId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'int', unsigned: true })
  userId!: number;

  @Column({ name: 'banned_by', type: 'int', unsigned: true, nullable: true })
  bannedBy!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
