import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsNewPassword, NEW_PASSWORD_DESCRIPTION } from '../../common/password';
import { IsNickname, NICKNAME_DESCRIPTION, NICKNAME_MAX_LENGTH } from '../../common/text';

export class RegisterDto {
  @ApiProperty({ example: 'alice@example.com', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, description: NEW_PASSWORD_DESCRIPTION, example: 'correct horse battery staple' })
  @IsNewPassword()
  password!: string;

  @ApiProperty({ minLength: 1, maxLength: NICKNAME_MAX_LENGTH, description: NICKNAME_DESCRIPTION, example: 'alice' })
  @IsNickname()
  nickname!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'postman1@test.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  /**
   * Whatever is stored is accepted here, so the demo accounts' `1234` works. No 72-byte cap:
   * accounts registered while 128 characters of any size were allowed may hold longer passwords,
   * and bcrypt compares the first 72 bytes of both, so refusing would lock them out while
   * accepting gives nothing away (a match still takes the stored password's first 72 bytes).
   */
  @ApiProperty({ example: '1234', description: 'Up to 128 characters; bcrypt compares only the first 72 bytes in UTF-8' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

export class GuestDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: NICKNAME_MAX_LENGTH, description: NICKNAME_DESCRIPTION, example: 'visitor' })
  @IsOptional()
  @IsNickname()
  nickname?: string;
}
