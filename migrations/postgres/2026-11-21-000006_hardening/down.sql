DROP INDEX users_username_skeleton;
ALTER TABLE users DROP COLUMN search_text;
ALTER TABLE users DROP COLUMN username_skeleton;
