DROP TABLE notification_templates;
DROP TABLE notifications;
DROP TABLE rate_limits;
DROP TABLE challenges;
DROP TABLE enrollments;
DROP TABLE settings;
