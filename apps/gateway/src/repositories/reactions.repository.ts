import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ErrorCode, MAX_REACTION_EMOJI_PER_MESSAGE, type ReactionCount, type StoredMessage } from '@chat/contracts';
import { AppError } from '../common/app-error';

export interface ReactionChange {
  /** False when the reaction already was as asked (a repeat). */
  changed: boolean;
  /** Members with this emoji on the message now. */
  count: number;
}

/**
 * Who reacted with what (message_reactions), and the per-emoji counts every reader sees
 * (messages.reactions), kept equal in one transaction per change.
 */
@Injectable()
export class ReactionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Adds or removes one member's reaction. The message's row is locked first, so concurrent
   * reactions to one message, from any replica, apply one after the other and each recounts
   * what the ones before it committed: the counts never drift from the rows. Null when the
   * message is gone (deleted meanwhile).
   */
  async set(messageId: string, userId: number, emoji: string, on: boolean): Promise<ReactionChange | null> {
    return this.db.transaction(async (tx) => {
      const [message] = await tx.query<{ reactions: string | null }[]>(
        'SELECT reactions FROM messages WHERE id = ? AND deleted_at IS NULL FOR UPDATE',
        [messageId],
      );
      if (!message) return null;
      const counts = message.reactions ? (JSON.parse(message.reactions) as ReactionCount[]) : [];
      if (on && !counts.some((c) => c.emoji === emoji) && counts.length >= MAX_REACTION_EMOJI_PER_MESSAGE) {
        throw new AppError(ErrorCode.ValidationFailed, `A message has at most ${MAX_REACTION_EMOJI_PER_MESSAGE} different reactions`);
      }
      const result = on
        ? await tx.query<{ affectedRows: number }>('INSERT IGNORE INTO message_reactions (message_id, emoji, user_id) VALUES (?, ?, ?)', [
            messageId,
            emoji,
            userId,
          ])
        : await tx.query<{ affectedRows: number }>('DELETE FROM message_reactions WHERE message_id = ? AND emoji = ? AND user_id = ?', [
            messageId,
            emoji,
            userId,
          ]);
      const [{ n }] = await tx.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM message_reactions WHERE message_id = ? AND emoji = ?', [
        messageId,
        emoji,
      ]);
      const count = Number(n);
      const changed = result.affectedRows > 0;
      if (changed) {
        const next = withCount(counts, emoji, count);
        await tx.query('UPDATE messages SET reactions = ? WHERE id = ?', [next.length ? JSON.stringify(next) : null, messageId]);
      }
      return { changed, count };
    });
  }

  /**
   * The page with `me` set on each reaction count: whether `userId` is among them. One query for
   * the page, and none when nothing on it has a reaction.
   */
  async markMine<M extends StoredMessage>(userId: number, messages: M[]): Promise<M[]> {
    const reacted = messages.filter((m) => m.reactions.length > 0);
    if (reacted.length === 0) return messages;
    const rows = await this.db.query<{ message_id: string; emoji: string }[]>(
      'SELECT message_id, emoji FROM message_reactions WHERE user_id = ? AND message_id IN (?)',
      [userId, reacted.map((m) => m.id)],
    );
    const mine = new Set(rows.map((row) => `${row.message_id} ${row.emoji}`));
    return messages.map((m) =>
      m.reactions.length === 0 ? m : { ...m, reactions: m.reactions.map((r) => ({ ...r, me: mine.has(`${m.id} ${r.emoji}`) })) },
    );
  }
}

/**
 * The counts with one emoji's replaced (dropped at zero), most used first; ties keep the order
 * they were first used in.
 */
export function withCount(counts: ReactionCount[], emoji: string, count: number): ReactionCount[] {
  const others = counts.filter((c) => c.emoji !== emoji);
  const updated = count > 0 ? [...others, { emoji, count }] : others;
  const firstUse = new Map([...counts, ...updated].map((c, i) => [c.emoji, i] as const).reverse());
  return updated.sort((a, b) => b.count - a.count || (firstUse.get(a.emoji) ?? 0) - (firstUse.get(b.emoji) ?? 0));
}
