import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '@chat/database';
import { UserCache } from './user-cache';
import { UsersRepository } from './users.repository';

/** User rows, shared by auth and the users feature. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [UsersRepository, UserCache],
  exports: [UsersRepository, UserCache],
})
export class UsersDataModule {}
