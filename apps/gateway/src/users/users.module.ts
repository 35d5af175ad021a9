import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RepositoriesModule } from '../repositories/repositories.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [AuthModule, RepositoriesModule],
  controllers: [UsersController],
  providers: [UsersService],
})
export class UsersModule {}
