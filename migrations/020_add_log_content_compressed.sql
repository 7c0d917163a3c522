ALTER TABLE log_files ADD COLUMN content_compressed BLOB;
