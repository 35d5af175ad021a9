import { ApiProperty } from '@nestjs/swagger';
import { PublicUser } from '../../common/dto/public-user.response';
import type * as contract from '@chat/contracts';

export class Session implements contract.Session {
  @ApiProperty({
    description: 'Send as `Authorization: Bearer <token>`, and as the socket `auth.token`',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOjQyLCJqdGkiOiI3ZjNjIiwiaWF0IjoxNzc5MDAwMDAwfQ.Zm9yIGRvY3VtZW50YXRpb24gb25seQ',
  })
  access_token!: string;

  @ApiProperty({ type: PublicUser })
  user!: PublicUser;
}
