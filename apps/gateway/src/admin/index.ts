/** What the composition root mounts. */
export { AdminModule } from './admin.module';
export { siteAdminsOnly, onlyDeadLetterChanges, ADMIN_QUEUES_PATH } from './admin-session';
export { DeadLetterBoard } from './dead-letter-board';
