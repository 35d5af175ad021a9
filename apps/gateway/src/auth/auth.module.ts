import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { UsersDataModule } from '../users/users-data.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { SessionStore } from './session-store';

@Module({
  imports: [
    UsersDataModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: config.auth.jwtSecret }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, AuthGuard, SessionStore],
  exports: [AuthService, AuthGuard, SessionStore],
})
export class AuthModule {}
