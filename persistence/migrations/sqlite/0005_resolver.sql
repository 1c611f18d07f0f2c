-- Who resolved a case (a user's or an API key's id): he may not verify it.
ALTER TABLE cases ADD COLUMN resolved_by BLOB;
