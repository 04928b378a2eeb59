-- Publishing a subscription's own images (Replicate, Unreplicate, Share): the regions an
-- OS or VM image is replicated to (os_images.replicated_to exists since migration 14) and
-- its sharing, 'Private' (the default: its subscription only), 'Public' (every
-- subscription sees it, replicated, under its published name) or 'Msdn'.
--
-- Kept in lockstep with ../postgres/0019_image_publishing.sql.
ALTER TABLE os_images ADD COLUMN sharing TEXT NOT NULL DEFAULT 'Private';
ALTER TABLE vm_images ADD COLUMN replicated_to TEXT NOT NULL DEFAULT '[]';
ALTER TABLE vm_images ADD COLUMN sharing TEXT NOT NULL DEFAULT 'Private';
