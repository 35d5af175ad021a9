import { ErrorCode } from '@chat/contracts';
import { AppError } from '../../common/app-error';

export const invalidUpload = (message: string) => new AppError(ErrorCode.ValidationFailed, message);

export const uploadTooLarge = (maxBytes: number) =>
  new AppError(ErrorCode.PayloadTooLarge, `The file is larger than the limit of ${maxBytes} bytes`);
