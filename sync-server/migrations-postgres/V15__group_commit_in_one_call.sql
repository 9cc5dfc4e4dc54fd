-- together-server, PostgreSQL schema version 15 (PostgreSQL only: SQLite's group commit runs inside
-- the server's own process). Never edit this file once released: add a new migration instead.

-- Raises SQLSTATE BTX01 unless `held`: what a batch assumed did not hold. Raising it rolls the
-- whole transaction back.
CREATE FUNCTION together_expect(held boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF held IS NOT TRUE THEN
        RAISE EXCEPTION 'a group commit''s assumption did not hold' USING ERRCODE = 'BTX01';
    END IF;
    RETURN true;
END;
$$;

-- A batch of appends that the server decided on what it assumed (`storage/postgres/
-- batch_predicted.rs`), written in one call: it checks those assumptions under the locks the
-- server's other way takes, in the same order (memberships held, documents then uploaders locked,
-- each sorted by the caller), writes the entries and the charges the server decided, and returns
-- who hears of them. It decides nothing: every rule stays in the server; this only compares and
-- writes. Each statement sees what committed before it (read committed), so the latest seqs are
-- read after the documents' locks are granted. An entry id stored before breaks
-- `UNIQUE (doc_id, entry_id)`; either error rolls everything back and the server decides again on
-- what it reads.
CREATE FUNCTION together_append_batch(
    in_relationships text[], in_members text[],
    in_docs text[], in_latest bigint[],
    in_users text[], in_rooms bigint[],
    in_entry_docs text[], in_entry_seqs bigint[], in_entry_ids text[],
    in_entry_devices text[], in_entry_blobs bytea[], in_entry_times text[],
    in_charged text[], in_charges bigint[],
    in_heard text[]
) RETURNS TABLE (out_relationship text, out_members text[])
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    PERFORM together_expect(coalesce(
        (SELECT m.ended_at IS NULL FROM memberships m
         WHERE m.relationship_id = t.r AND m.user_id = t.u FOR SHARE), false))
    FROM unnest(in_relationships, in_members) AS t (r, u);
    PERFORM together_expect((SELECT true FROM documents d WHERE d.doc_id = t.d FOR UPDATE) IS NOT NULL)
    FROM unnest(in_docs) AS t (d);
    PERFORM together_expect(
        coalesce((SELECT max(e.seq) FROM doc_entries e WHERE e.doc_id = t.d), 0) = t.s)
    FROM unnest(in_docs, in_latest) AS t (d, s);
    PERFORM together_expect(coalesce(
        (SELECT u.stored_bytes FROM users u WHERE u.id = t.u FOR UPDATE) <= t.b, false))
    FROM unnest(in_users, in_rooms) AS t (u, b);
    INSERT INTO doc_entries (doc_id, seq, entry_id, device_id, ciphertext, created_at)
    SELECT * FROM unnest(in_entry_docs, in_entry_seqs, in_entry_ids, in_entry_devices,
                         in_entry_blobs, in_entry_times);
    UPDATE users u
    SET stored_bytes = u.stored_bytes + in_charges[array_position(in_charged, u.id::text)]
    WHERE u.id = ANY(in_charged);
    RETURN QUERY
    SELECT t.r, ARRAY(SELECT m.user_id::text FROM memberships m WHERE m.relationship_id = t.r)
    FROM unnest(in_heard) AS t (r);
END;
$$;
