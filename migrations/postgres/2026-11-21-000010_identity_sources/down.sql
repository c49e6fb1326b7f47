DROP TABLE identity_sources;
