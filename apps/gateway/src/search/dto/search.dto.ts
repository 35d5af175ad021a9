import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional } from 'class-validator';
import { IsId } from '../../common/ids';
import { IsPageLimit, PAGE_LIMIT_MAX } from '../../common/page-query.dto';
import { IsText, ValidateText } from '../../common/text';
import { decodeSearchCursor } from '../search-cursor';

export const QUERY_MIN_LENGTH = 2;
export const QUERY_MAX_LENGTH = 100;
/** Smaller than the lists' 50: every result is a whole message, and a search is read a screen at a time. */
export const SEARCH_DEFAULT_LIMIT = 20;

const IsSearchCursor = () =>
  ValidateText('isSearchCursor', (value, property) =>
    typeof value === 'string' && decodeSearchCursor(value) !== undefined
      ? undefined
      : `${property} must be a nextCursor this route returned`,
  );

export class SearchQueryDto {
  @ApiProperty({
    minLength: QUERY_MIN_LENGTH,
    maxLength: QUERY_MAX_LENGTH,
    description:
      'Words match words that start with them (`meet` finds `meeting`; a one-letter word only itself), case- and width-insensitively; Korean, Japanese and Chinese text matches as a substring (`안녕` finds `안녕하세요`). Every part must match, in any order. Punctuation, symbols and emoji are not searched (a query of only those finds nothing).',
    example: '회의',
  })
  @IsText({ min: QUERY_MIN_LENGTH, max: QUERY_MAX_LENGTH })
  q!: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Only this room (you must be a member)', example: 7 })
  @IsOptional()
  @Type(() => Number)
  @IsId()
  room?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page (opaque)', example: 'MDFKOVozRjFNMk4zUDRRNVI2UzdUOFY5VzA' })
  @IsOptional()
  @IsSearchCursor()
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', default: SEARCH_DEFAULT_LIMIT, maximum: PAGE_LIMIT_MAX })
  @IsOptional()
  @Type(() => Number)
  @IsPageLimit()
  limit?: number;
}
