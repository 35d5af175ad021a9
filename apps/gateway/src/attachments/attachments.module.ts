import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RepositoriesModule } from '../repositories/repositories.module';
import { RoomsModule } from '../rooms';
import { AttachmentClaims } from './attachment-claims';
import { AttachmentDownloads } from './attachment-downloads';
import { AttachmentLinks } from './attachment-links';
import { AttachmentUploads } from './attachment-uploads';
import { AttachmentsController } from './attachments.controller';
import { ObjectStorageCloser, objectStorageProvider } from './object-storage.provider';

@Module({
  imports: [AuthModule, RepositoriesModule, RoomsModule],
  controllers: [AttachmentsController],
  providers: [objectStorageProvider, ObjectStorageCloser, AttachmentLinks, AttachmentClaims, AttachmentUploads, AttachmentDownloads],
  exports: [AttachmentLinks, AttachmentClaims],
})
export class AttachmentsModule {}
