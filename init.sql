-- Schema of the chat cluster: tables only, no rows (demo-seed.sql holds the demo accounts).
--
-- Runs unchanged on MySQL 8 and MariaDB 10.11, and is safe to apply twice: every table is
-- created only if absent. It creates no database: apply it to the database named in
-- DATABASE_URL (docker-compose mounts it into the MySQL image's init directory, which runs it
-- against MYSQL_DATABASE; the local launcher and the tests apply it to the database they create).
--
-- Times are UTC DATETIME(3): the apps write them explicitly and read them back as UTC.
-- Collation utf8mb4_unicode_ci exists on both servers (MySQL 8's default, utf8mb4_0900_ai_ci,
-- does not exist on MariaDB).

SET NAMES utf8mb4;

CREATE TABLE IF NOT EXISTS users (
  id             INT UNSIGNED NOT NULL AUTO_INCREMENT,
  email          VARCHAR(254) NULL,                        -- NULL for guests
  password_hash  VARCHAR(255) NULL,                        -- NULL for guests
  nickname       VARCHAR(32)  NOT NULL,
  role           ENUM('admin', 'user', 'guest') NOT NULL DEFAULT 'user',
  masked_ip      VARCHAR(64)  NULL,                        -- shown for guests, e.g. 203.0.xxx.xxx
  banned_at      DATETIME(3)  NULL,                        -- site-wide ban
  ban_reason     VARCHAR(500) NULL,
  created_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at     DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_email (email),
  KEY ix_users_nickname (nickname)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS rooms (
  id               INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name             VARCHAR(100) NULL,                      -- NULL: named after its members
  is_private       TINYINT(1)   NOT NULL DEFAULT 0,
  owner_id         INT UNSIGNED NULL,
  -- Denormalised from the room's highest-seq message (chat or system), so room lists never scan messages.
  -- Written in the same transaction as the message, and only ever moved forward (last_seq).
  last_message_id  CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NULL,
  last_message     VARCHAR(4000) NULL,
  last_message_at  DATETIME(3)  NULL,
  last_seq         BIGINT UNSIGNED NOT NULL DEFAULT 0,
  deleted_at       DATETIME(3)  NULL,                      -- soft delete: in-flight messages still land
  direct_key       VARCHAR(24)  CHARACTER SET ascii COLLATE ascii_bin NULL,  -- '<lower id>:<higher id>' of a direct conversation
  created_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY ix_rooms_directory (is_private, deleted_at, id),
  KEY ix_rooms_name (name),
  UNIQUE KEY uq_rooms_direct (direct_key),
  CONSTRAINT fk_rooms_owner FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS room_members (
  room_id        INT UNSIGNED NOT NULL,
  user_id        INT UNSIGNED NOT NULL,
  role           ENUM('owner', 'admin', 'member', 'guest') NOT NULL DEFAULT 'member',
  muted_until    DATETIME(3)  NULL,                        -- muted by a moderator; 9999-12-31 = until lifted
  self_muted     TINYINT(1)   NOT NULL DEFAULT 0,          -- muted the room's notifications for themself
  joined_seq     BIGINT UNSIGNED NOT NULL DEFAULT 0,       -- sees only messages with seq > joined_seq
  last_read_seq  BIGINT UNSIGNED NOT NULL DEFAULT 0,       -- read marker, drives unreadCount
  joined_at      DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (room_id, user_id),
  KEY ix_room_members_user (user_id, room_id),
  CONSTRAINT fk_room_members_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
  CONSTRAINT fk_room_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS room_bans (
  room_id     INT UNSIGNED NOT NULL,
  user_id     INT UNSIGNED NOT NULL,
  banned_by   INT UNSIGNED NULL,
  reason      VARCHAR(500) NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (room_id, user_id),
  KEY ix_room_bans_user (user_id),
  CONSTRAINT fk_room_bans_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
  CONSTRAINT fk_room_bans_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_room_bans_by FOREIGN KEY (banned_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS messages (
  id             CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- ULID: unique, time-sortable
  room_id        INT UNSIGNED NOT NULL,
  seq            BIGINT UNSIGNED NOT NULL,                 -- per room, strictly increasing
  sender_id      INT UNSIGNED NULL,                        -- NULL for system messages
  type           ENUM('chat', 'system') NOT NULL DEFAULT 'chat',
  content        VARCHAR(4000) NOT NULL,                   -- '' only when the message has attachments
  client_msg_id  VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  attachments    TEXT NULL,                                -- JSON array of the attachments' metadata, as served
  created_at     DATETIME(3)  NOT NULL,
  deleted_at     DATETIME(3)  NULL,
  edited_at      DATETIME(3)  NULL,                        -- the author's last edit
  reply_to_id    CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NULL,  -- the message of the same room it answers
  mentions       TEXT NULL,                                -- JSON array of the mentioned members' ids
  reactions      TEXT NULL,                                -- JSON [{emoji, count}], kept with message_reactions in one transaction
  PRIMARY KEY (id),
  -- A redelivered job can never store a second row for the same slot of a room.
  UNIQUE KEY uq_messages_room_seq (room_id, seq),
  KEY ix_messages_sender (sender_id),
  CONSTRAINT fk_messages_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
  CONSTRAINT fk_messages_sender FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Databases created before attachments: the column above, added once. MySQL 8.4 has no
-- ADD COLUMN IF NOT EXISTS, so the statement is chosen from information_schema.
SET @chat_ddl = (
  SELECT IF(COUNT(*) = 0, 'ALTER TABLE messages ADD COLUMN attachments TEXT NULL AFTER client_msg_id', 'DO 0')
    FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 'messages' AND column_name = 'attachments'
);
PREPARE chat_stmt FROM @chat_ddl;
EXECUTE chat_stmt;
DEALLOCATE PREPARE chat_stmt;

-- Databases created before edits, replies, mentions and reactions: their columns, added once together.
SET @chat_ddl = (
  SELECT IF(COUNT(*) = 0,
            'ALTER TABLE messages ADD COLUMN edited_at DATETIME(3) NULL, ADD COLUMN reply_to_id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NULL, ADD COLUMN mentions TEXT NULL, ADD COLUMN reactions TEXT NULL',
            'DO 0')
    FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 'messages' AND column_name = 'edited_at'
);
PREPARE chat_stmt FROM @chat_ddl;
EXECUTE chat_stmt;
DEALLOCATE PREPARE chat_stmt;

-- Databases created before direct conversations.
SET @chat_ddl = (
  SELECT IF(COUNT(*) = 0,
            'ALTER TABLE rooms ADD COLUMN direct_key VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER deleted_at, ADD UNIQUE KEY uq_rooms_direct (direct_key)',
            'DO 0')
    FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 'rooms' AND column_name = 'direct_key'
);
PREPARE chat_stmt FROM @chat_ddl;
EXECUTE chat_stmt;
DEALLOCATE PREPARE chat_stmt;

-- Who reacted with what; messages.reactions holds the counts, so a page of history reads no row of this table but the caller's own.
CREATE TABLE IF NOT EXISTS message_reactions (
  message_id  CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  emoji       VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  user_id     INT UNSIGNED NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (message_id, emoji, user_id),
  KEY ix_message_reactions_user (user_id, message_id),
  CONSTRAINT fk_message_reactions_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
  CONSTRAINT fk_message_reactions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per mentioned member, written with the message: mentionCount is a range scan past the read marker.
CREATE TABLE IF NOT EXISTS message_mentions (
  user_id     INT UNSIGNED NOT NULL,
  room_id     INT UNSIGNED NOT NULL,
  seq         BIGINT UNSIGNED NOT NULL,
  message_id  CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (user_id, room_id, seq),
  KEY ix_message_mentions_message (message_id),
  CONSTRAINT fk_message_mentions_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
  CONSTRAINT fk_message_mentions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Uploaded files. A row is written when the upload is stored; a send claims it (claimed_by: the
-- sender's attempt, so a retry with the same clientMsgId claims it again) and the worker links it
-- to its message (message_id) in the message's own transaction. Rows never linked are removed
-- with their objects after ATTACHMENT_ORPHAN_HOURS; deleting the message sets deleted_at, after
-- which nothing serves it and the worker removes its objects.
CREATE TABLE IF NOT EXISTS attachments (
  id             CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,  -- ULID
  room_id        INT UNSIGNED NOT NULL,
  uploader_id    INT UNSIGNED NULL,
  name           VARCHAR(255) NOT NULL,
  content_type   VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  size           BIGINT UNSIGNED NOT NULL,
  width          INT UNSIGNED NULL,
  height         INT UNSIGNED NULL,
  sha256         CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  thumbnail_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  thumbnail_size BIGINT UNSIGNED NULL,
  claimed_by     VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NULL,
  message_id     CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NULL,
  created_at     DATETIME(3)  NOT NULL,
  deleted_at     DATETIME(3)  NULL,
  PRIMARY KEY (id),
  KEY ix_attachments_message (message_id),
  KEY ix_attachments_uploader (uploader_id, deleted_at),
  KEY ix_attachments_unlinked (message_id, created_at),
  KEY ix_attachments_deleted (deleted_at),
  CONSTRAINT fk_attachments_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE,
  CONSTRAINT fk_attachments_uploader FOREIGN KEY (uploader_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Message search (docs/ARCHITECTURE.md, "Search"): a row per chat message with text, written in
-- the transaction that stores the message and removed with it. `terms` holds the message's search
-- terms, each encoded as an ASCII word InnoDB's built-in FULLTEXT parser keeps whole
-- (libs/database/src/search/term-encoding.ts), so one index serves every language on MySQL 8.4
-- and MariaDB 10.11 alike. room_id and seq are copied from the message so that candidates are
-- checked against the caller's memberships before any messages row is read.
-- Databases from before search: `node libs/database/dist/search/backfill-cli.js` indexes their messages.
CREATE TABLE IF NOT EXISTS message_search (
  message_id  CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  room_id     INT UNSIGNED NOT NULL,
  seq         BIGINT UNSIGNED NOT NULL,
  terms       MEDIUMTEXT CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  PRIMARY KEY (message_id),
  FULLTEXT KEY ft_message_search_terms (terms),
  CONSTRAINT fk_message_search_message FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
