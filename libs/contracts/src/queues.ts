import type { StoredAttachment } from './attachments';

/**
 * Queue and job names. Renaming one strands the jobs already queued under the old name:
 * drain the queue first, or keep a consumer for the old name for one release.
 */
export const QueueName = {
  Messages: 'chat-messages',
  /** Messages the worker gave up on after every retry: kept for an operator, counted in metrics. */
  DeadLetters: 'chat-messages-dead',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  /**
   * One message, as releases before batched jobs wrote it; still consumed so an upgrade drains
   * their jobs. Remove (with its worker case) once no deployment can hold one: from 2027-06-01,
   * after checking `chat-messages` has no waiting, delayed or failed `persist-message` job.
   */
  PersistMessage: 'persist-message',
  /**
   * Messages the worker could not write when it read them from the message stream: BullMQ retries
   * them with backoff and dead-letters what fails every attempt. (Gateways before the stream
   * queued every batch this way.)
   */
  PersistMessages: 'persist-messages',
  DeadMessage: 'dead-message',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** A message accepted by a gateway, waiting to be written to MySQL. */
export interface PersistMessageJob {
  id: string;
  roomId: number;
  seq: number;
  senderId: number | null;
  type: 'chat' | 'system';
  content: string;
  clientMsgId: string | null;
  /** ISO-8601; the time the gateway accepted the message. */
  createdAt: string;
  /** Absent in jobs from releases before attachments. */
  attachments?: StoredAttachment[];
  /** The id of the message it answers (same room); absent when none. */
  replyTo?: string;
  /** Member ids it mentions; absent when none. */
  mentions?: number[];
  /**
   * The HTTP request or socket event that sent it (X-Request-Id; docs/ARCHITECTURE.md), for the
   * worker's log lines; absent in system notes outside a request and in jobs from older releases.
   */
  requestId?: string;
  /**
   * W3C trace context (`traceparent`, `tracestate`) of the span that accepted it, so the worker's
   * commit joins the sender's trace; only set while the gateway traces (OTEL_EXPORTER_OTLP_ENDPOINT).
   */
  trace?: Record<string, string>;
}

export interface PersistMessagesJob {
  messages: PersistMessageJob[];
}

/** A message moved to the dead-letter queue, with why. */
export interface DeadMessageJob {
  message: PersistMessageJob;
  error: string;
  attempts: number;
  failedAt: string;
}

/** The consumer group of the message stream (RedisKeys.messageStream) and its one field per entry. */
export const MessageStream = { group: 'persist', field: 'messages' } as const;

/** One typed map from job name to payload, used by producer and consumer alike. */
export interface JobPayloads {
  [JobName.PersistMessage]: PersistMessageJob;
  [JobName.PersistMessages]: PersistMessagesJob;
  [JobName.DeadMessage]: DeadMessageJob;
}
