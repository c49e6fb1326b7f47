-- Usernames: the confusable skeleton (Unicode TR39) is unique, so look-alike names cannot coexist.
-- Search: a case-folded text computed by the server, the same on both databases.
-- Both are filled for existing rows by the server at start-up.
ALTER TABLE users ADD COLUMN username_skeleton TEXT;
ALTER TABLE users ADD COLUMN search_text TEXT;
CREATE UNIQUE INDEX users_username_skeleton ON users (username_skeleton);
