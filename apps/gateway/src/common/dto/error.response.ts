import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from '@chat/contracts';
import type * as contract from '@chat/contracts';

/** The body of every REST error (HttpExceptionFilter). */
export class ErrorBody implements contract.ErrorBody {
  @ApiProperty({ type: 'integer', example: 403 })
  statusCode!: number;

  @ApiProperty({ description: 'The HTTP reason phrase', example: 'Forbidden' })
  error!: string;

  @ApiProperty({ description: 'Human-readable; may change between versions', example: 'You are not a member of this room' })
  message!: string;

  @ApiProperty({ enum: Object.values(ErrorCode), enumName: 'ErrorCode', description: 'Stable and machine-readable: branch on this' })
  code!: ErrorCode;
}
