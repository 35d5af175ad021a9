-- Demo data, for a local cluster only: every account's password is "1234" (bcrypt,
-- cost 10) and admin@test.com is a site admin, so a deployment others can reach must never load it.
--
-- Apply after init.sql. Safe to apply twice: every row is inserted only if absent. The local
-- launcher (`npm start`) and the test suites apply it; docker-compose.yml does not, and
-- docker-compose.demo.yml adds it on purpose.

SET NAMES utf8mb4;

INSERT IGNORE INTO users (id, email, password_hash, nickname, role, created_at) VALUES
  (1, 'postman1@test.com', '$2b$10$S432c.aDiOMyzY3WtpOoE.sfLq2myMI9M2OlcbHDrpM01LBuuflsW', 'postman1', 'user',  UTC_TIMESTAMP(3)),
  (2, 'postman2@test.com', '$2b$10$S432c.aDiOMyzY3WtpOoE.sfLq2myMI9M2OlcbHDrpM01LBuuflsW', 'postman2', 'user',  UTC_TIMESTAMP(3)),
  (3, 'test1@test.com',    '$2b$10$S432c.aDiOMyzY3WtpOoE.sfLq2myMI9M2OlcbHDrpM01LBuuflsW', 'test1',    'user',  UTC_TIMESTAMP(3)),
  (4, 'admin@test.com',    '$2b$10$S432c.aDiOMyzY3WtpOoE.sfLq2myMI9M2OlcbHDrpM01LBuuflsW', 'admin',    'admin', UTC_TIMESTAMP(3));

INSERT IGNORE INTO rooms (id, name, is_private, owner_id, created_at) VALUES
  (1, 'Test room', 0, 1, UTC_TIMESTAMP(3));

INSERT IGNORE INTO room_members (room_id, user_id, role, joined_at) VALUES
  (1, 1, 'owner', UTC_TIMESTAMP(3));
