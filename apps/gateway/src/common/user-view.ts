import type { MessageSender, PublicUser, UserView } from '@chat/contracts';
import type { UserEntity } from '@chat/database';

export function toPublicUser(user: UserEntity): PublicUser {
  return {
    id: user.id,
    email: user.email,
    nickname: user.nickname,
    role: user.role,
    ...(user.maskedIp ? { maskedIp: user.maskedIp } : {}),
    createdAt: user.createdAt.toISOString(),
  };
}

/** What the user themself and site admins see. */
export function toUserView(user: UserEntity): UserView {
  return { ...toPublicUser(user), banned: user.bannedAt !== null, banReason: user.banReason };
}

/** How a message shows its sender. */
export function senderOf(user: PublicUser): MessageSender {
  return { id: user.id, nickname: user.nickname, role: user.role };
}
