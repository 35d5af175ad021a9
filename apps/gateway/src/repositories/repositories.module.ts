import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '@chat/database';
import { AttachmentsRepository } from './attachments.repository';
import { MembersRepository } from './members.repository';
import { MembershipCache } from './membership.cache';
import { MembershipNoteRepository } from './membership-note.repository';
import { MessageStreamRepository } from './message-stream.repository';
import { MessagesRepository } from './messages.repository';
import { PresenceRepository } from './presence.repository';
import { RateLimitRepository } from './rate-limit.repository';
import { ReactionsRepository } from './reactions.repository';
import { RealtimeRepository } from './realtime.repository';
import { ReceiptWindowRepository } from './receipt-window.repository';
import { RecentMessageRepository } from './recent-message.repository';
import { RedisModule } from './redis.module';
import { ReplicaReads } from './replica-reads';
import { RoomsRepository } from './rooms.repository';
import { SearchRepository } from './search.repository';
import { SequenceRepository } from './sequence.repository';
import { SessionRepository } from './session.repository';
import { UserCache } from './user.cache';
import { UsersRepository } from './users.repository';

const repositories = [
  AttachmentsRepository,
  MembersRepository,
  MembershipCache,
  MembershipNoteRepository,
  MessageStreamRepository,
  MessagesRepository,
  PresenceRepository,
  RateLimitRepository,
  ReactionsRepository,
  RealtimeRepository,
  ReceiptWindowRepository,
  RecentMessageRepository,
  ReplicaReads,
  RoomsRepository,
  SearchRepository,
  SequenceRepository,
  SessionRepository,
  UserCache,
  UsersRepository,
];

/**
 * The bottom layer: every adapter to MySQL, Redis and Socket.IO. Each repository owns its
 * SQL, keys and scripts, and turns driver errors into results or AppErrors; nothing above it sees
 * a driver. Imported by each feature module that needs them (one instance each for the app).
 */
@Module({
  imports: [RedisModule, TypeOrmModule.forFeature([UserEntity])],
  providers: repositories,
  exports: [RedisModule, ...repositories],
})
export class RepositoriesModule {}
