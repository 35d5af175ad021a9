import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { RepositoriesModule } from '../repositories/repositories.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { PasswordHasher } from './password-hasher';

/** Identity: tokens, passwords and the guard every authenticated route and socket relies on. */
@Module({
  imports: [
    RepositoriesModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: config.auth.jwtSecret }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, AuthGuard, PasswordHasher],
  exports: [AuthService, AuthGuard, PasswordHasher],
})
export class AuthModule {}
