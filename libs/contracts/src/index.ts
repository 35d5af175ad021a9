export * from './auth';
export * from './errors';
export * from './events';
export * from './messages';
export * from './moderation';
export * from './queues';
export * from './redis-keys';
export * from './rooms';
