import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsPositive, IsString, Max, MaxLength } from 'class-validator';
import { IsId } from './ids';

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

  @ApiPropertyOptional({ default: 50, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsPositive()
  @Max(100)
  limit?: number;
}
