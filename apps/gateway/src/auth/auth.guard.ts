import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from '../common/auth-user';
import { AuthService } from './auth.service';
import { bearerToken } from './bearer-token';

type AuthedRequest = Request & { user?: AuthUser };

/** Requires a valid bearer token on an HTTP route and puts its claims on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    request.user = await this.auth.verify(bearerToken(request.headers.authorization));
    return true;
  }
}

/** The authenticated user of an HTTP request guarded by AuthGuard. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without AuthGuard');
  return user;
});
