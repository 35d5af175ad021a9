/** The longest reason a kick, a room ban or a site ban may carry, over REST and sockets alike. */
export const MODERATION_REASON_MAX_LENGTH = 500;

/** A timed mute lasts whole minutes, at most a year; longer means "until lifted" (no minutes). */
export const MAX_MUTE_MINUTES = 525_600;
