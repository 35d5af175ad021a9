import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { ChatMessage, SearchPage } from '@chat/contracts';

/** A page of search results. */
export class SearchResults implements SearchPage {
  @ApiProperty({
    type: 'array',
    // The messages feature's ChatMessage schema (history's items): a result is exactly that.
    items: { $ref: getSchemaPath('ChatMessage') },
    description: 'Newest first, each exactly as history shows it (with `roomId`)',
  })
  messages!: ChatMessage[];

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'Pass as `cursor` for the next page; null at the end. A page can hold fewer than `limit` messages before the end (never skipping a match).',
    example: 'MDFKOVozRjFNMk4zUDRRNVI2UzdUOFY5VzA',
  })
  nextCursor!: string | null;
}
