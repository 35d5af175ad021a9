/** The longest reason a kick, a room ban or a site ban may carry, over REST and sockets alike. */
export const MODERATION_REASON_MAX_LENGTH = 500;

/** A timed mute lasts at least a minute and at most a year; longer means "until lifted" (no minutes). */
export const MIN_MUTE_MINUTES = 1;
export const MAX_MUTE_MINUTES = 525_600;
