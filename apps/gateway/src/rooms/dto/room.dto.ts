import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../common/page-query.dto';
import { IsId, IsSeq } from '../../common/ids';
import { IsText } from '../../common/text';

export const MAX_INVITES = 100;

export class CreateRoomDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    description: "Omitted: the room is named after its members' nicknames",
    example: 'Design review',
  })
  @IsOptional()
  @IsText({ min: 1, max: 100 })
  name?: string;

  @ApiPropertyOptional({ default: false, example: false })
  @IsOptional()
  @IsBoolean()
  isPrivate?: boolean;

  @ApiPropertyOptional({ type: [Number], maxItems: MAX_INVITES, description: 'Users who become members at once', example: [57, 63] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_INVITES)
  @IsId({ each: true })
  invitedUserIds?: number[];
}

export class DirectoryQueryDto extends PageQueryDto {}

export class RenameRoomDto {
  @ApiProperty({
    type: String,
    minLength: 1,
    maxLength: 100,
    nullable: true,
    description: "null: name the room after its members' nicknames",
    example: 'Design review (Q3)',
  })
  @ValidateIf((o: RenameRoomDto) => o.name !== null)
  @IsText({ min: 1, max: 100 })
  name!: string | null;
}

export class InviteDto {
  @ApiProperty({ type: [Number], minItems: 1, maxItems: MAX_INVITES, example: [57, 63] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_INVITES)
  @IsId({ each: true })
  userIds!: number[];
}

export class DirectRoomDto {
  @ApiProperty({ type: 'integer', description: 'Someone you share a room with (GET /users/contacts)', example: 57 })
  @IsId()
  userId!: number;
}

export class MarkReadDto {
  @ApiProperty({ type: 'integer', description: 'Everything up to and including this seq has been read', example: 1284 })
  @IsSeq()
  seq!: number;
}
