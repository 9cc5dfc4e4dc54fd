-- together-server, schema version 4: an invite may carry the relationship key, sealed on the
-- inviting device with the half of the pairing code the server never sees.
-- Never edit this file once released: add a new migration instead.
ALTER TABLE invites ADD COLUMN wrapped_key BLOB;
