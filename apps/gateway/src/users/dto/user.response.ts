import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import { PublicUser, SITE_ROLES } from '../../common/dto/public-user.response';

/** A user as they themself and site admins see them. */
export class UserView extends PublicUser implements contract.UserView {
  @ApiProperty({ description: 'Banned site-wide' })
  banned!: boolean;

  @ApiProperty({ type: String, nullable: true })
  banReason!: string | null;
}

export class UsersPage implements contract.Page<contract.UserView> {
  @ApiProperty({ type: [UserView], description: 'Newest first' })
  items!: UserView[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as `cursor` for the next page; null at the end' })
  nextCursor!: number | null;
}

export class UpdatedUser extends UserView {
  @ApiPropertyOptional({ description: 'After a change of your own password: the new token (every older one is void)' })
  access_token?: string;
}

export class ContactView implements contract.ContactView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty()
  nickname!: string;

  @ApiProperty({ enum: SITE_ROLES, enumName: 'SiteRole' })
  role!: contract.SiteRole;
}

export class ContactsPage implements contract.Page<contract.ContactView> {
  @ApiProperty({ type: [ContactView], description: 'People you share a room with, by id' })
  items!: ContactView[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as `cursor` for the next page; null at the end' })
  nextCursor!: number | null;
}
