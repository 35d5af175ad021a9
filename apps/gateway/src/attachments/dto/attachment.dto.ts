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
  @ApiPropertyOptional({ description: 'Unix time the link stops working' })
  @IsOptional()
  @IsString()
  @MaxLength(12)
  expires?: string;

  @ApiPropertyOptional({ description: 'The link signature' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  sig?: string;
}

export class UploadedAttachment implements contract.StoredAttachment {
  @ApiProperty({ description: 'Pass it in `attachmentIds` of a message to this room', example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  id!: string;

  @ApiProperty({ description: "The file's name, made safe for display" })
  name!: string;

  @ApiProperty({ description: "Detected from the file's bytes, not the client's claim", example: 'image/png' })
  contentType!: string;

  @ApiProperty({ type: 'integer', description: 'Bytes as stored (image metadata such as EXIF removed)' })
  size!: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Images (PNG, JPEG, GIF, WebP) only' })
  width?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Images only' })
  height?: number;
}

export class AttachmentView extends UploadedAttachment implements contract.Attachment {
  @ApiProperty({ description: 'Signed, expiring link to the file; works without a token' })
  url!: string;

  @ApiPropertyOptional({ description: 'Signed, expiring link to a WebP thumbnail (fits 320×320); images only' })
  thumbnailUrl?: string;
}
