import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class RegisterDto {
  @ApiProperty({ example: 'alice@example.com', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password!: string;

  @ApiProperty({ minLength: 1, maxLength: 32 })
  @IsString()
  @Length(1, 32)
  nickname!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'postman1@test.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  /** Whatever is stored is accepted here, so the demo accounts' `1234` works. */
  @ApiProperty({ example: '1234' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

export class GuestDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 32 })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  nickname?: string;
}
