DROP TABLE org_identities;
DROP TABLE petition_history;
DROP TABLE petitions;
DROP TABLE flow_sources;
DROP TABLE enrollment_flows;
