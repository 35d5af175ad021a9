import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import { PublicUser, SITE_ROLES } from '../../common/dto/public-user.response';

/** A user as they themself and site admins see them. */
export class UserView extends PublicUser implements contract.UserView {
  @ApiProperty({ description: 'Banned site-wide', example: false })
  banned!: boolean;

  @ApiProperty({ type: String, nullable: true, example: null })
  banReason!: string | null;
}

export class UsersPage implements contract.Page<contract.UserView> {
  @ApiProperty({ type: [UserView], description: 'Newest first' })
  items!: UserView[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as `cursor` for the next page; null at the end', example: 31 })
  nextCursor!: number | null;
}

export class UpdatedUser extends UserView {
  @ApiPropertyOptional({
    description: 'After a change of your own password: the new token (every older one is void)',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOjQyLCJqdGkiOiI5YjFlIiwiaWF0IjoxNzc5MDAzNjAwfQ.Zm9yIGRvY3VtZW50YXRpb24gb25seQ',
  })
  access_token?: string;
}

export class ContactView implements contract.ContactView {
  @ApiProperty({ type: 'integer', example: 57 })
  id!: number;

  @ApiProperty({ example: 'bob' })
  nickname!: string;

  @ApiProperty({ enum: SITE_ROLES, enumName: 'SiteRole', description: 'Site-wide role' })
  role!: contract.SiteRole;
}

export class ContactsPage implements contract.Page<contract.ContactView> {
  @ApiProperty({ type: [ContactView], description: 'People you share a room with, by id' })
  items!: ContactView[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as `cursor` for the next page; null at the end', example: 57 })
  nextCursor!: number | null;
}
