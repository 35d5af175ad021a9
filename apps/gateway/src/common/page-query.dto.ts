import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsPositive, IsString, Max, MaxLength } from 'class-validator';
import { IsId } from './ids';

/** The most items one page answers, over REST (`?limit=`) and sockets (`sync`'s `limit`) alike. */
export const PAGE_LIMIT_MAX = 100;
export const IsPageLimit = () => applyDecorators(IsInt(), IsPositive(), Max(PAGE_LIMIT_MAX));

/** `?q=&cursor=&limit=` of the cursor-paginated lists. */
export class PageQueryDto {
  @ApiPropertyOptional({ description: 'Search text', maxLength: 100, example: 'design' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'The `nextCursor` of the previous page', example: 31 })
  @IsOptional()
  @Type(() => Number)
  @IsId()
  cursor?: number;

  @ApiPropertyOptional({ type: 'integer', default: 50, maximum: PAGE_LIMIT_MAX, example: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsPageLimit()
  limit?: number;
}
