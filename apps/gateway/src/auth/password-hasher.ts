import { Inject, Injectable } from '@nestjs/common';
import { compare, hash } from 'bcryptjs';
import { APP_CONFIG, type AppConfig } from '@chat/config';

/** bcrypt at BCRYPT_ROUNDS, for registration, login and a change of password. */
@Injectable()
export class PasswordHasher {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    return hash(password, this.config.auth.bcryptRounds);
  }

  matches(password: string, passwordHash: string): Promise<boolean> {
    return compare(password, passwordHash);
  }
}
