import { ErrorCode, type PersistMessageJob, type ReplyRef, type StoredAttachment } from '@chat/contracts';
import { type TraceCarrier, trace } from '@chat/telemetry';
import { AppError } from '../common/app-error';
import { type Admission, isRefusal, type Reservation, sameRoom, type SeqRequest } from '../repositories/sequence.repository';
import { countRateLimited } from '../repositories/rate-limit.repository';

/** A message accepted by the checks, before it has a seq. */
export interface Draft extends SeqRequest {
  type: PersistMessageJob['type'];
  content: string;
  attachments: StoredAttachment[];
  /** The message it answers (validated: same room). */
  replyTo?: ReplyRef;
  /** Members it mentions (validated: members of the room). */
  mentions?: number[];
  /** The request or socket event that sent it (currentRequestId). */
  requestId?: string;
  /** The trace context it was sent in (traceCarrier), when tracing is on. */
  trace?: TraceCarrier;
}

/**
 * Where an accepted message is made durable before it is broadcast. Production queues it for the
 * worker (QueueSink); the benchmark's baseline writes MySQL first (DirectSink,
 * PERSISTENCE_MODE=direct). MessagesModule picks one.
 */
export abstract class MessageSink {
  /** True when the row is in MySQL once `accept` resolves, so reads need no copy of it in Redis. */
  abstract readonly storedOnAccept: boolean;

  /**
   * The message's reservation (id, seq, createdAt). The message's place (its seq order among the
   * messages accepted from here) is taken when this is called, not when it resolves. Durable once
   * this resolves, unless the reservation says otherwise (a retry of an acknowledged send, or a
   * clientMsgId already used in another room), in which case nothing was stored. Rejects with
   * RATE_LIMITED when the sender is over their send budget, and otherwise if nothing could be made
   * durable.
   */
  abstract accept(draft: Draft): Promise<Reservation>;

  /** Whether a retried message was already made durable and broadcast by an earlier attempt. */
  protected abstract delivered(reservation: Reservation): Promise<boolean>;

  /**
   * Whether an admission still has to be stored (`store`), or is answered as it is (`reply`): the
   * first room's reservation for a clientMsgId used in another room, an acked one for a retry that
   * was delivered. A send over its budget is refused with RATE_LIMITED (thrown).
   */
  protected async triage(admission: Admission, draft: Draft): Promise<{ store: Reservation } | { reply: Reservation }> {
    if (isRefusal(admission)) throw sendingTooFast(admission.retryAfterMs);
    if (!sameRoom(admission, draft)) return { reply: admission };
    if (admission.retry && (admission.acked || (await this.delivered(admission)))) return { reply: { ...admission, acked: true } };
    return { store: admission };
  }
}

/** What the worker stores, from a draft and the id, seq and time of its reservation. */
export function persistJob(draft: Draft, id: string, seq: number, createdAt: string): PersistMessageJob {
  const { roomId, senderId, type, content, clientMsgId, attachments, replyTo, mentions, requestId, trace: carrier } = draft;
  const job: PersistMessageJob = {
    id,
    roomId,
    seq,
    senderId: senderId ?? null,
    type,
    content,
    clientMsgId: clientMsgId ?? null,
    createdAt,
  };
  // Optional fields only when set: most jobs stay as small as before.
  if (attachments.length > 0) job.attachments = attachments;
  if (replyTo) job.replyTo = replyTo.id;
  if (mentions?.length) job.mentions = mentions;
  if (requestId) job.requestId = requestId;
  if (carrier) job.trace = carrier;
  return job;
}

/** Names an accepted message on the span it was sent in (the socket event's or the HTTP request's). */
export function traceAccepted(roomId: number, { id, seq }: Pick<Reservation, 'id' | 'seq'>): void {
  trace.getActiveSpan()?.setAttributes({ 'chat.message.id': id, 'chat.room.id': roomId, 'chat.message.seq': seq });
}

/** What a send over its sender's budget is answered. */
function sendingTooFast(retryAfterMs: number): AppError {
  countRateLimited('messages');
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError(ErrorCode.RateLimited, `Sending too fast: retry in ${retryAfter} s`, retryAfter);
}
