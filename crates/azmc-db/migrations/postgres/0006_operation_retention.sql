-- Finished operations older than the retention are deleted in batches, oldest first
-- (Db::delete_operations_before); this index finds them without a full scan.
CREATE INDEX operations_by_start ON operations (started_at, id);
