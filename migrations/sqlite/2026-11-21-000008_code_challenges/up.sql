-- One noun from route to table: the codes a user reads back (identity verifications and enrollment
-- challenges) are code challenges.
ALTER TABLE challenges RENAME TO code_challenges;
