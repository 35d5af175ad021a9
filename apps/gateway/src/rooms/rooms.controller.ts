import { Body, Controller, Get, Param, ParseIntPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { RoomMemberEntity } from '@chat/database';
import type { AuthUser } from '../auth/auth-user';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { CreateRoomDto } from './dto/room.dto';
import type { MyRoomView, RoomView } from './room-view';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  async create(@CurrentUser() auth: AuthUser, @Body() dto: CreateRoomDto): Promise<RoomView> {
    return this.rooms.create(await this.auth.me(auth), dto);
  }

  @Get('mine')
  mine(@CurrentUser() auth: AuthUser): Promise<MyRoomView[]> {
    return this.rooms.mine(auth.id);
  }

  @Post(':id/join')
  async join(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<RoomMemberEntity> {
    return this.rooms.join(await this.auth.me(auth), roomId);
  }
}
