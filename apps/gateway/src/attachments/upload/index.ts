export { receiveUpload } from './receive-upload';
export { DEFAULT_MAX_PIXELS, type ProcessedFile, type ProcessedUpload, type UploadLimits } from './upload-types';
