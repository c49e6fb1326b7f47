DROP TABLE registration_sessions;
