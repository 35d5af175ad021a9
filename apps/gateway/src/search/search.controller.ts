import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS, ROOM_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { SearchQueryDto } from './dto/search.dto';
import { SearchResults } from './dto/search.response';
import { MessageSearch } from './message-search';

@ApiTags('search')
@ApiBearerAuth()
@ApiErrors(AUTH_ERRORS)
@UseGuards(AuthGuard)
@Controller('search')
export class SearchController {
  constructor(private readonly search: MessageSearch) {}

  @Get('messages')
  @ApiOperation({
    operationId: 'search.messages',
    summary: 'Search the messages of your rooms, newest first',
    description:
      'Only rooms you are a member of, only what you can read in them (from your invitation on); deleted messages and system notes are never found.',
  })
  @ApiOkResponse({ type: SearchResults })
  @ApiErrors(AUTH_ERRORS, ROOM_ERRORS, {
    VALIDATION_FAILED: '`q` is not 2-100 characters, or `room`, `cursor` or `limit` is invalid, or there are unknown parameters',
    NOT_FOUND: 'with `room`: the room does not exist or was deleted',
    NOT_MEMBER: 'with `room`: you are not a member of the room',
    BANNED: 'with `room`: you are banned from the room',
    UNAVAILABLE: 'search is turned off on this deployment (SEARCH_BACKEND=none), or sessions cannot be checked right now',
  })
  messages(@CurrentUser() caller: AuthUser, @Query() query: SearchQueryDto): Promise<SearchResults> {
    return this.search.find(caller, query);
  }
}
