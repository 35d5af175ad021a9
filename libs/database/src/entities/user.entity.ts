import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SiteRole } from '@chat/contracts';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn({ unsigned: true })
  id!: number;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash!: string | null;

  @Column({ type: 'varchar', length: 32 })
  nickname!: string;

  @Column({ type: 'enum', enum: ['admin', 'user', 'guest'], default: 'user' })
  role!: SiteRole;

  @Column({ name: 'masked_ip', type: 'varchar', length: 64, nullable: true })
  maskedIp!: string | null;

  @Column({ name: 'banned_at', type: 'datetime', precision: 3, nullable: true })
  bannedAt!: Date | null;

  @Column({ name: 'ban_reason', type: 'varchar', length: 500, nullable: true })
  banReason!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
