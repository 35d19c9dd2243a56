-- The audit log page (/audit). Who acted is a kind as well as a name: a person today, the
-- system, API tokens and SCIM later, without another migration. The page lists a company's
-- events newest first by (created_at, id), which audit_events_company_time serves; each
-- filter it offers on its own (actor, target person, action) gets an index ending in that
-- order, so a filtered page reads only its rows.
ALTER TABLE audit_events ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'person';
CREATE INDEX audit_events_company_actor_time ON audit_events(company_id, actor_id, created_at, id);
CREATE INDEX audit_events_company_target_time ON audit_events(company_id, target_user_id, created_at, id);
CREATE INDEX audit_events_company_action_time ON audit_events(company_id, action, created_at, id);
