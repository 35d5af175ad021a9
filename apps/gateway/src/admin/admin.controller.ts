import { Controller, Delete, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthGuard, bearerToken, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { ADMIN_COOKIE, ADMIN_QUEUES_PATH, assertSiteAdmin } from './admin-session';

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(AUTH_ERRORS)
@UseGuards(AuthGuard)
@Controller('admin')
export class AdminController {
  @Post('session')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'admin.session.open',
    summary: 'Open the dead-letter UI in this browser (site admins)',
    description: `Sets an HttpOnly, SameSite=Strict cookie, sent only to ${ADMIN_QUEUES_PATH}, holding this access token until it expires; then open ${ADMIN_QUEUES_PATH}. Scripts may instead send the bearer token to ${ADMIN_QUEUES_PATH}/api directly.`,
  })
  @ApiNoContentResponse({ description: 'The cookie is set' })
  @ApiErrors({ FORBIDDEN: 'site admins only' })
  open(@CurrentUser() caller: AuthUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): void {
    assertSiteAdmin(caller);
    // AuthGuard let the request in, so it carries a bearer token.
    res.cookie(ADMIN_COOKIE, bearerToken(req.headers.authorization) ?? '', {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: ADMIN_QUEUES_PATH,
      maxAge: Math.max(0, caller.exp * 1000 - Date.now()),
    });
  }

  @Delete('session')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'admin.session.close',
    summary: 'Forget the dead-letter UI cookie',
    description: 'Clears the cookie POST /admin/session set.',
  })
  @ApiNoContentResponse({ description: 'The cookie is cleared' })
  close(@Req() req: Request, @Res({ passthrough: true }) res: Response): void {
    res.clearCookie(ADMIN_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: ADMIN_QUEUES_PATH });
  }
}
