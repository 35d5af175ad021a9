import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { PublicUser } from '@chat/contracts';
import { UserEntity } from '@chat/database';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Includes the password hash, which is never selected otherwise. */
  findByEmailWithSecret(email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.email = :email', { email }).getOne();
  }

  async insert(user: Omit<UserEntity, 'id'>): Promise<UserEntity> {
    const { identifiers } = await this.users.insert(user);
    return { ...user, id: Number(identifiers[0]?.id) };
  }
}

export function toPublicUser(user: UserEntity): PublicUser {
  return {
    id: user.id,
    email: user.email,
    nickname: user.nickname,
    role: user.role,
    ...(user.maskedIp ? { maskedIp: user.maskedIp } : {}),
    createdAt: user.createdAt.toISOString(),
  };
}
