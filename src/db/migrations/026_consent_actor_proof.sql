-- Who changed a contact's consent and on what ground (issue 16): the acting user or API key,
-- a reason, and for a re-subscription the proof of consent (its date and source).
alter table consent_history add column actor text, add column reason text, add column proof jsonb;

-- confirmation mails are throttled per address (issue 16): the recent requests of an address
create index signup_requests_email on signup_requests (workspace_id, lower(email), created_at);
