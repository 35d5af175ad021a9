/** What other features may use of auth; everything else in this folder is its own. */
export { AuthGuard, CurrentUser } from './auth.guard';
export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { bearerToken } from './bearer-token';
export { PasswordHasher } from './password-hasher';
