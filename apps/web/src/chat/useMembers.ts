import { useCallback, useEffect, useState } from 'react';
import type { ChatMessage, MemberUpdatedEvent, MemberView, NoticeEvent, PresenceEvent, RoomRole } from '@chat/contracts';
import { useSession } from '../shell/SessionContext';

const RANK: Record<RoomRole, number> = { owner: 0, admin: 1, member: 2, guest: 3 };
const order = (a: MemberView, b: MemberView) =>
  Number(b.online) - Number(a.online) || RANK[a.role] - RANK[b.role] || a.nickname.localeCompare(b.nickname);

/** The member list with live online dots, roles and mutes; re-read when membership may have changed. */
export function useMembers(roomId: number): MemberView[] {
  const { api, socket, connection } = useSession();
  const [members, setMembers] = useState<MemberView[]>([]);

  const refresh = useCallback(() => {
    // A refusal here comes with a `kicked` or `room_deleted` that says it better.
    api.members(roomId).then(setMembers, () => undefined);
  }, [api, roomId]);

  useEffect(refresh, [refresh, connection.generation]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Joins, leaves and invites come in bursts: one read for each burst.
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    };
    const onPresence = (p: PresenceEvent) => {
      if (p.roomId !== roomId) return;
      setMembers((all) => all.map((m) => (m.userId === p.userId ? { ...m, online: p.online } : m)));
    };
    const onUpdated = ({ roomId: room, userId, role, muted, mutedUntil }: MemberUpdatedEvent) => {
      if (room !== roomId) return;
      setMembers((all) => all.map((m) => (m.userId === userId ? { ...m, role, muted, mutedUntil } : m)));
    };
    const onNotice = (n: NoticeEvent) => n.roomId === roomId && soon();
    const onMessage = (m: ChatMessage) => m.roomId === roomId && m.type === 'system' && soon();
    socket.on('presence', onPresence).on('member_updated', onUpdated).on('notice', onNotice).on('message', onMessage);
    return () => {
      clearTimeout(timer);
      socket.off('presence', onPresence).off('member_updated', onUpdated).off('notice', onNotice).off('message', onMessage);
    };
  }, [socket, roomId, refresh]);

  return [...members].sort(order);
}
