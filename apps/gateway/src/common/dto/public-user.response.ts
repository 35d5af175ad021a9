import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';

// A Record, so adding a role to the contract fails to compile until it is listed here.
const siteRoles: Record<contract.SiteRole, true> = { admin: true, user: true, guest: true };
export const SITE_ROLES = Object.keys(siteRoles) as contract.SiteRole[];

export class PublicUser implements contract.PublicUser {
  @ApiProperty({ type: 'integer', example: 42 })
  id!: number;

  @ApiProperty({ type: String, nullable: true, description: 'null for guests', example: 'alice@example.com' })
  email!: string | null;

  @ApiProperty({ example: 'alice' })
  nickname!: string;

  @ApiProperty({ enum: SITE_ROLES, enumName: 'SiteRole', description: 'Site-wide role; `guest` for guest sessions' })
  role!: contract.SiteRole;

  @ApiPropertyOptional({ description: 'Guests only: the masked client IP they are shown with', example: '203.0.xxx.xxx' })
  maskedIp?: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-02T10:11:12.000Z' })
  createdAt!: string;
}
