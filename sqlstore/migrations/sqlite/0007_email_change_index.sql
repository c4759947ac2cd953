-- DeleteUser scrubs the addresses a user held before its current one from
-- the audit log; it finds them in the user's email changes. A partial
-- index keeps that lookup off a scan of the whole log, at the cost of an
-- entry per email change only.
CREATE INDEX tenancy_audit_events_email_changes ON tenancy_audit_events (target_id)
	WHERE action = 'user.email_changed';
