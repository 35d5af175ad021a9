import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { AdminController } from './admin.controller';
import { DeadLetterBoard } from './dead-letter-board';

/** The site admins' operations pages: the dead-letter UI (bootstrap mounts DeadLetterBoard under /admin/queues). */
@Module({
  imports: [AuthModule],
  controllers: [AdminController],
  providers: [DeadLetterBoard],
  exports: [DeadLetterBoard],
})
export class AdminModule {}
