import { pipeline } from 'node:stream/promises';
import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPartialContentResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AttachmentVariant } from '@chat/contracts';
import { AuthGuard, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS, ROOM_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { type Download, AttachmentDownloads } from './attachment-downloads';
import { AttachmentUploads } from './attachment-uploads';
import { AttachmentIdParams, AttachmentLinkQuery, UploadedAttachment } from './dto/attachment.dto';

const DOWNLOAD_ERRORS = {
  UNAUTHORIZED: 'no signed link parameters and no valid bearer token',
  FORBIDDEN: 'the signed link has expired or was altered',
  NOT_FOUND: 'no such attachment, its message was deleted, or you cannot see it (not a member, or it was sent before you joined)',
  NOT_MEMBER: 'you are not a member of the room',
  BANNED: 'you are banned from the room',
  VALIDATION_FAILED: 'the id is not a ULID',
};

@ApiTags('attachments')
@Controller()
export class AttachmentsController {
  constructor(
    private readonly uploads: AttachmentUploads,
    private readonly downloads: AttachmentDownloads,
  ) {}

  @Post('rooms/:id/attachments')
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    operationId: 'rooms.attachments.upload',
    summary: 'Upload a file for a message to this room',
    description:
      'Multipart field `file`; send the answered `id` in `attachmentIds` of POST /rooms/{id}/messages or the socket `message`. The type is detected from the bytes. PNG, JPEG, GIF and WebP get width, height and a thumbnail, and lose their EXIF/XMP metadata (GPS included). Unused uploads are removed after ATTACHMENT_ORPHAN_HOURS.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ type: UploadedAttachment })
  @ApiErrors(AUTH_ERRORS, ROOM_ERRORS, {
    VALIDATION_FAILED: 'not multipart/form-data with one `file` part, a corrupt image, or an image of too many pixels',
    MUTED: 'you are muted in the room',
    PAYLOAD_TOO_LARGE: 'larger than ATTACHMENT_MAX_BYTES (10 MiB by default), or than what is left of your storage quota',
    RATE_LIMITED: 'too many uploads (ATTACHMENT_UPLOADS_PER_MINUTE, per user across replicas)',
  })
  upload(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Req() request: Request): Promise<UploadedAttachment> {
    // A refusal leaves the rest of the body unread; the exception filter closes the connection.
    return this.uploads.upload(auth, roomId, request);
  }

  @Get('attachments/:id')
  @ApiOperation({
    operationId: 'attachments.get',
    summary: 'Download an attachment',
    description:
      'With the signed link from `attachments[].url` (its `expires` and `sig`, no token needed), or with the bearer token of a member who can see its message. Supports `Range`, `If-None-Match` and `If-Range`.',
    security: [{}, { bearer: [] }],
  })
  @ApiOkResponse({ description: 'The bytes; images inline, anything else as a download' })
  @ApiPartialContentResponse({ description: 'The requested byte range' })
  @ApiErrors(DOWNLOAD_ERRORS)
  original(@Param() params: AttachmentIdParams, @Query() link: AttachmentLinkQuery, @Req() request: Request, @Res() response: Response) {
    return this.serve(params.id, 'original', link, request, response);
  }

  @Get('attachments/:id/thumbnail')
  @ApiOperation({
    operationId: 'attachments.thumbnail.get',
    summary: "Download an image attachment's thumbnail",
    description:
      'A WebP that fits 320×320. With the signed link from `attachments[].thumbnailUrl` (no token needed), or with the bearer token of a member who can see its message.',
    security: [{}, { bearer: [] }],
  })
  @ApiOkResponse({ description: 'image/webp' })
  @ApiErrors(DOWNLOAD_ERRORS)
  thumbnail(@Param() params: AttachmentIdParams, @Query() link: AttachmentLinkQuery, @Req() request: Request, @Res() response: Response) {
    return this.serve(params.id, 'thumbnail', link, request, response);
  }

  private async serve(
    id: string,
    variant: AttachmentVariant,
    link: AttachmentLinkQuery,
    request: Request,
    response: Response,
  ): Promise<void> {
    const download = await this.downloads.download({
      id,
      variant,
      authorization: request.headers.authorization,
      expires: link.expires,
      sig: link.sig,
      range: request.headers.range,
      ifNoneMatch: request.headers['if-none-match'],
      ifRange: header(request.headers['if-range']),
    });
    await send(download, response);
  }
}

async function send({ status, headers, body }: Download, response: Response): Promise<void> {
  response.status(status).set(headers);
  if (!body) {
    response.end();
    return;
  }
  // A reader that goes away mid-file ends the stream from the store too.
  await pipeline(body, response).catch(() => response.destroy());
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
