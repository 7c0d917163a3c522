-- Image dimensions, read at upload; the app's image_attachments lacks them.
CREATE TABLE IF NOT EXISTS tftsrmcp_image_meta (
    image_id TEXT PRIMARY KEY REFERENCES image_attachments(id) ON DELETE CASCADE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL
);
