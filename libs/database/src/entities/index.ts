import { MessageEntity } from './message.entity';
import { RoomBanEntity } from './room-ban.entity';
import { RoomMemberEntity } from './room-member.entity';
import { RoomEntity } from './room.entity';
import { UserEntity } from './user.entity';

export { MessageEntity, RoomBanEntity, RoomEntity, RoomMemberEntity, UserEntity };

export const entities = [UserEntity, RoomEntity, RoomMemberEntity, RoomBanEntity, MessageEntity];
