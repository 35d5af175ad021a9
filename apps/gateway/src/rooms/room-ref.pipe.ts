import { Injectable, type PipeTransform } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { MAX_ID } from '../common/ids';
import { inputProblem } from '../common/validation';

/** `join_room` and `leave_room` take a room id, or `{ room }`. */
@Injectable()
export class RoomRefPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    // The same refusals as every other payload (depth, lone surrogates, reserved keys), even where
    // this pipe is the only one to see the value.
    const problem = inputProblem(value);
    if (problem) throw new AppError(ErrorCode.ValidationFailed, problem);
    const candidate =
      typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1
        ? (value as { room?: unknown }).room
        : value;
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate > 0 && candidate <= MAX_ID) return candidate;
    throw new AppError(ErrorCode.ValidationFailed, 'Expected a room id (positive integer) or { room: <id> }');
  }
}
