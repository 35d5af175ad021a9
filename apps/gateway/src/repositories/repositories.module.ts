import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueName } from '@chat/contracts';
import { UserEntity } from '@chat/database';
import { MembersRepository } from './members.repository';
import { MembershipCache } from './membership.cache';
import { MembershipNoteRepository } from './membership-note.repository';
import { MessagesRepository } from './messages.repository';
import { PresenceRepository } from './presence.repository';
import { RateLimitRepository } from './rate-limit.repository';
import { RealtimeRepository } from './realtime.repository';
import { RecentMessageRepository } from './recent-message.repository';
import { RedisModule } from './redis.module';
import { RoomsRepository } from './rooms.repository';
import { SequenceRepository } from './sequence.repository';
import { SessionRepository } from './session.repository';
import { UserCache } from './user.cache';
import { UsersRepository } from './users.repository';

/** One Queue (and its connection) for the app: the producer and the readiness probe share it. */
const messagesQueue = BullModule.registerQueue({ name: QueueName.Messages });

const repositories = [
  MembersRepository,
  MembershipCache,
  MembershipNoteRepository,
  MessagesRepository,
  PresenceRepository,
  RateLimitRepository,
  RealtimeRepository,
  RecentMessageRepository,
  RoomsRepository,
  SequenceRepository,
  SessionRepository,
  UserCache,
  UsersRepository,
];

/**
 * The bottom layer: every adapter to MySQL, Redis, BullMQ and Socket.IO. Each repository owns its
 * SQL, keys and scripts, and turns driver errors into results or AppErrors; nothing above it sees
 * a driver. Imported by each feature module that needs them (one instance each for the app).
 */
@Module({
  imports: [RedisModule, TypeOrmModule.forFeature([UserEntity]), messagesQueue],
  providers: repositories,
  exports: [RedisModule, messagesQueue, ...repositories],
})
export class RepositoriesModule {}
