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
  @ApiPropertyOptional({ description: 'Search text', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsId()
  cursor?: number;

  @ApiPropertyOptional({ default: 50, maximum: PAGE_LIMIT_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsPageLimit()
  limit?: number;
}
