import { MODERATION_REASON_MAX_LENGTH } from '@chat/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, ValidateIf } from 'class-validator';
import { IsNewPassword, NEW_PASSWORD_DESCRIPTION } from '../../common/password';
import { PageQueryDto } from '../../common/page-query.dto';
import { IsNickname, IsReason, NICKNAME_DESCRIPTION, NICKNAME_MAX_LENGTH } from '../../common/text';

export class UsersQueryDto extends PageQueryDto {}

/** `q` matches anywhere in a nickname; the cursor is the last id of the previous page. */
export class ContactsQueryDto extends PageQueryDto {}

/** Either may be omitted, but not sent as null: neither can be cleared. */
export class UpdateUserDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: NICKNAME_MAX_LENGTH, description: NICKNAME_DESCRIPTION, example: 'alice.w' })
  @ValidateIf((o: UpdateUserDto) => o.nickname !== undefined)
  @IsNickname()
  nickname?: string;

  @ApiPropertyOptional({ minLength: 8, maxLength: 128, description: NEW_PASSWORD_DESCRIPTION, example: 'a longer passphrase 2026' })
  @ValidateIf((o: UpdateUserDto) => o.password !== undefined)
  @IsNewPassword()
  password?: string;
}

export class SiteBanDto {
  @ApiProperty({ example: true })
  @IsBoolean()
  banned!: boolean;

  @ApiPropertyOptional({ maxLength: MODERATION_REASON_MAX_LENGTH, example: 'Spam in several rooms' })
  @IsOptional()
  @IsReason()
  reason?: string;
}
