-- Categories, org units and departments are cached on every node; writers bump
-- this version in the same transaction so that other nodes reload them.
INSERT INTO cache_versions (name, version) VALUES ('reference', 0);
