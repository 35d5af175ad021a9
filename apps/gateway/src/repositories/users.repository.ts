import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsWhere, In, LessThan, Like, type Repository } from 'typeorm';
import { UserEntity } from '@chat/database';
import { ReplicaReads } from './replica-reads';
import { escapeLike, isDuplicateKey } from './sql';

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly reads: ReplicaReads,
  ) {}

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  /** Includes the password hash, which is never selected otherwise. */
  findByEmailWithSecret(email: string): Promise<UserEntity | null> {
    return this.users.createQueryBuilder('u').addSelect('u.passwordHash').where('u.email = :email', { email }).getOne();
  }

  async countWithPasswordHash(hashes: string[]): Promise<number> {
    return hashes.length === 0 ? 0 : this.users.countBy({ passwordHash: In(hashes) });
  }

  findMany(ids: number[]): Promise<UserEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.users.findBy({ id: In(ids) });
  }

  /** The stored user, or null if its email is already registered. */
  async insert(user: Omit<UserEntity, 'id'>): Promise<UserEntity | null> {
    try {
      const { identifiers } = await this.users.insert(user);
      return { ...user, id: Number(identifiers[0]?.id) };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  async update(id: number, fields: Partial<Omit<UserEntity, 'id'>>): Promise<void> {
    await this.users.update({ id }, fields);
  }

  /** The directory, from a replica: newest first, keyset-paginated on id; `q` matches the start of a nickname or email. */
  search(query: { q?: string; before?: number; limit: number }): Promise<UserEntity[]> {
    const idBelow = query.before === undefined ? {} : { id: LessThan(query.before) };
    const where: FindOptionsWhere<UserEntity>[] = query.q
      ? [
          { ...idBelow, nickname: Like(`${escapeLike(query.q)}%`) },
          { ...idBelow, email: Like(`${escapeLike(query.q.toLowerCase())}%`) },
        ]
      : [idBelow];
    return this.reads.run((db) => db.getRepository(UserEntity).find({ where, order: { id: 'DESC' }, take: query.limit }));
  }
}
