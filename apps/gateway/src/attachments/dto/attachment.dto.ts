import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type * as contract from '@chat/contracts';
import { IsUlid } from '../../common/ids';

export class AttachmentIdParams {
  @ApiProperty({ example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  @IsUlid('id')
  id!: string;
}

/** A signed link's parameters (what `attachments[].url` carries); without them a bearer token is needed. */
export class AttachmentLinkQuery {
  @ApiPropertyOptional({ description: 'Unix time the link stops working', example: '1778752800' })
  @IsOptional()
  @IsString()
  @MaxLength(12)
  expires?: string;

  @ApiPropertyOptional({ description: 'The link signature', example: 'k3QwZ1b9yXr0c7TnVh2mPq4sLd8eJf6aGuB5oNiWx2E' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  sig?: string;
}

export class UploadedAttachment implements contract.StoredAttachment {
  @ApiProperty({ description: 'Pass it in `attachmentIds` of a message to this room', example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  id!: string;

  @ApiProperty({ description: "The file's name, made safe for display", example: 'mockup-v3.png' })
  name!: string;

  @ApiProperty({ description: "Detected from the file's bytes, not the client's claim", example: 'image/png' })
  contentType!: string;

  @ApiProperty({ type: 'integer', description: 'Bytes as stored (image metadata such as EXIF removed)', example: 184320 })
  size!: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Images (PNG, JPEG, GIF, WebP) only', example: 1280 })
  width?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Images only', example: 800 })
  height?: number;
}

export class AttachmentView extends UploadedAttachment implements contract.Attachment {
  @ApiProperty({
    description: 'Signed, expiring link to the file; works without a token',
    example: '/attachments/01J9Z3K8Q4W5X6Y7Z8A9B0C1D2?expires=1778752800&sig=k3QwZ1b9yXr0c7TnVh2mPq4sLd8eJf6aGuB5oNiWx2E',
  })
  url!: string;

  @ApiPropertyOptional({
    description: 'Signed, expiring link to a WebP thumbnail (fits 320×320); images only',
    example: '/attachments/01J9Z3K8Q4W5X6Y7Z8A9B0C1D2/thumbnail?expires=1778752800&sig=Yt7pR2c0mK9wQ4nB8vX1sL6dE3fH5jA0uZ2gN7oCr4M',
  })
  thumbnailUrl?: string;
}
