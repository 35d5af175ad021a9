import { Injectable, type PipeTransform } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';

/** `join_room` and `leave_room` take a room id, or `{ room }`. */
@Injectable()
export class RoomRefPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const candidate =
      typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1
        ? (value as { room?: unknown }).room
        : value;
    if (typeof candidate === 'number' && Number.isSafeInteger(candidate) && candidate > 0) return candidate;
    throw new AppError(ErrorCode.ValidationFailed, 'Expected a room id (positive integer) or { room: <id> }');
  }
}
