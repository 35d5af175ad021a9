/** What other features may use of attachments: claiming uploads for a send, and the links messages are shown with. */
export { AttachmentClaims, type ClaimedAttachments } from './attachment-claims';
export { AttachmentLinks } from './attachment-links';
export { AttachmentsModule } from './attachments.module';
export { AttachmentView } from './dto/attachment.dto';
