import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsPositive, Matches, Max } from 'class-validator';
import { MINE_PAGE_MAX } from '../rooms.service';

/** `GET /rooms/mine?limit=&cursor=`: still a plain array (v1); the next page's cursor travels in headers. */
export class MineQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: MINE_PAGE_MAX, maximum: MINE_PAGE_MAX, description: 'Rooms per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsPositive()
  @Max(MINE_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `X-Next-Cursor` header of the previous page', example: '1778751012000_7' })
  @IsOptional()
  @Matches(/^\d{1,15}_\d{1,10}$/, { message: 'cursor must be the X-Next-Cursor of a previous page' })
  cursor?: string;
}
