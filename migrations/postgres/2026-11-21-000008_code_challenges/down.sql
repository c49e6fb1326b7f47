ALTER TABLE code_challenges RENAME TO challenges;
